/**
 * Python source that the sandbox child runs inside Pyodide. Kept in a .mjs module (not a .py file) so
 * `tsc` copies it to dist/ next to the child script.
 *
 * `SANDBOX_SETUP` runs once, right after Pyodide loads and before any user code. It cuts every
 * Python-level route to the JavaScript host (the `js` / `pyodide_js` modules, the `pyodide` and
 * `_pyodide` packages, the `_pyodide_core` bridge) and refuses `micropip` and `ctypes`. It then
 * returns the `run` function the child calls for each request.
 *
 * This layer is a convenience and a first fence, NEVER the security boundary: Python can walk its
 * own object graph in ways no import hook can stop. The boundary is the OS process around it (empty
 * environment, Node permission model, no code generation from strings, network and PID namespaces,
 * memory and time limits) — see docs/tools.md, "How the Python sandbox works".
 */
export const SANDBOX_SETUP = String.raw`
def _galaxy_build_sandbox(result_max_chars, chart_max_chars):
    import ast, gc, json, os, sys, traceback, types

    # Runs once: leave nothing of the setup behind in the interpreter's globals.
    globals().pop('_galaxy_build_sandbox', None)
    # Pyodide fills '_' with the child script's host path, and sys.executable, sys._base_executable
    # and sys.orig_argv with the child script's path: nothing may name the host (checklist 42).
    os.environ.pop('_', None)
    sys.executable = ''
    sys._base_executable = ''
    sys.orig_argv = ['python']
    sys.argv = ['']
    # A restored snapshot carries the random state of the process that made it: without a reseed
    # from this process's own entropy, every session would draw the same "random" numbers.
    import random, tempfile
    random.seed()
    tempfile._name_sequence = None

    bridge_roots = frozenset({
        'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'pyodide_http',
        'micropip', 'ctypes', '_ctypes',
    })

    def is_bridge(name):
        return name.partition('.')[0] in bridge_roots

    class SandboxImportBlocker:
        """First on sys.meta_path: refuses host-bridge and package-loading modules by name."""

        @staticmethod
        def find_spec(fullname, path=None, target=None):
            if is_bridge(fullname):
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: it is not available in this sandbox "
                    "(no JavaScript bridge, no package installs, no ctypes)",
                    name=fullname,
                )
            return None

        @staticmethod
        def invalidate_caches():
            pass

    # Pyodide routes time.sleep and asyncio through its JS event loop, which is cut off below; give
    # back CPython's own.
    import asyncio, time, warnings
    for owner, attr in ((time, 'sleep'), (asyncio, 'run')):
        original = getattr(getattr(owner, attr), '__wrapped__', None)
        if original is not None:
            setattr(owner, attr, original)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        asyncio.set_event_loop_policy(None)
    asyncio.events._set_running_loop(None)

    # A listening socket makes Pyodide load a WebSocket server module the sandbox may not read, which
    # is a fatal interpreter error; refuse it as an ordinary OSError instead (asyncio's self-pipe too).
    import errno, socket

    def listen(self, *args):
        raise OSError(errno.EACCES, 'listening sockets are not available in this sandbox')

    socket.socket.listen = listen

    # The JS import hook keeps proxies to the host's modules; empty it before dropping it.
    for finder in list(sys.meta_path):
        proxies = getattr(finder, 'jsproxies', None)
        if isinstance(proxies, dict):
            proxies.clear()
    # Drop every finder Pyodide added (their modules are emptied below, so they could not work anyway).
    sys.meta_path[:] = [SandboxImportBlocker] + [
        f for f in sys.meta_path if not is_bridge(getattr(f, '__module__', None) or '')
    ]
    # Builtin modules can be created afresh from the C inittab with _imp.create_builtin, which would
    # hand back a new, fully working _pyodide_core (to_js, create_proxy, raw_call …). So: import
    # every other builtin now, then remove the creation entry points; later imports of builtins find
    # them in sys.modules, and the bridge can never be created again (checklist 41).
    import _imp
    for name in sys.builtin_module_names:
        if not is_bridge(name) and name not in sys.modules:
            try:
                __import__(name)
            except BaseException:
                pass
    # The bridge's classes stay reachable by walking object.__subclasses__(), and some build JS
    # objects when called (pyodide.ffi.JsException('x').js_error is a live JS Error, whose
    # constructor leads to Error.prepareStackTrace). Make every bridge class refuse construction.
    def refuse_construction(cls, *args, **kwargs):
        raise TypeError(f'{cls.__name__} cannot be created in this sandbox')

    def all_subclasses(root):
        seen, stack = set(), [root]
        while stack:
            for sub in type.__subclasses__(stack.pop()):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        return seen

    with warnings.catch_warnings():
        # Reading __module__ of some typing aliases warns; the first user run must not see that.
        warnings.simplefilter('ignore')
        for cls in all_subclasses(object):
            if is_bridge(str(getattr(cls, '__module__', '') or '')):
                try:
                    cls.__new__ = refuse_construction
                except (TypeError, AttributeError):
                    pass
    for entry in ('create_builtin', 'exec_builtin', 'init_frozen'):
        if hasattr(_imp, entry):
            delattr(_imp, entry)
    for name in [n for n in sys.modules if is_bridge(n)]:
        module = sys.modules.pop(name)
        # Module globals hold proxies to JS objects (loadedPackages, scheduleCallback, to_js …).
        # Emptying them means a module object found later by walking the heap gives nothing.
        if isinstance(module, types.ModuleType):
            module.__dict__.clear()
    # Heap walkers are the easiest way back to a dropped module; ordinary code never needs them.
    for walker in ('get_objects', 'get_referrers', 'get_referents'):
        if hasattr(gc, walker):
            delattr(gc, walker)

    user_globals = {'__name__': '__main__', '__builtins__': __builtins__}

    def capped(text, limit):
        return text if len(text) <= limit else text[:limit] + '\n[truncated]'

    def chart_json(value):
        if not (isinstance(value, dict) and value.get('type') == 'chart'):
            return None
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as err:
            return json.dumps({'invalid': f'the chart spec is not plain JSON: {err}'})
        if len(text) > chart_max_chars:
            return json.dumps({'invalid': f'the chart spec is larger than {chart_max_chars} characters'})
        return text

    def describe_error(err):
        # Drop this runner's own frames so the traceback starts at the user's code; a syntax error
        # carries its own location and needs no frames at all.
        tb = None if isinstance(err, SyntaxError) or err.__traceback__ is None else err.__traceback__.tb_next
        return capped(''.join(traceback.format_exception(type(err), err, tb)), result_max_chars)

    def run(code):
        reply = {'result': None, 'chart': None, 'error': None}
        try:
            tree = ast.parse(code, '<code>', 'exec')
            last = None
            quiet = code.rstrip().endswith(';')
            if tree.body and isinstance(tree.body[-1], ast.Expr) and not quiet:
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, '<code>', 'exec'), user_globals)
            if last is not None:
                value = eval(compile(last, '<code>', 'eval'), user_globals)
                if value is not None:
                    reply['result'] = capped(repr(value), result_max_chars)
                    reply['chart'] = chart_json(value)
        except BaseException as err:  # SystemExit and KeyboardInterrupt too: the interpreter must survive.
            reply['error'] = describe_error(err)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
        return json.dumps(reply)

    return run
`;
