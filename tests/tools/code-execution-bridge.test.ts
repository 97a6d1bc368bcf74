import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW, pythonHarness, type PythonHarness } from './python-harness.js';

/**
 * Checklists 41 and 42, through the real sandbox process: the known ways back to the JS bridge once
 * the `js`/`pyodide` modules are gone, and host details in sys/os. Each snippet prints one verdict
 * per attempt, so a failure shows exactly which route reopened.
 */

let h: PythonHarness;
beforeAll(async () => {
  h = pythonHarness({ timeoutMs: 60_000, memoryMb: 256, outputMaxBytes: 65_536, requireNetns: false, warmPool: 1 });
  await h.tool.start();
}, 120_000);
afterAll(async () => h?.tool.stop());

const WALK = `
def all_subclasses(root):
    seen, stack = set(), [root]
    while stack:
        for sub in type.__subclasses__(stack.pop()):
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen
`;

describe('no JS proxy is reachable from user code', () => {
  it('41: _imp.create_builtin cannot re-create _pyodide_core (nor via a fresh _imp from sys.modules)', async () => {
    const out = await h.contentOf('bridge-1', `
import _imp, sys
from importlib.machinery import ModuleSpec, BuiltinImporter
try:
    core = _imp.create_builtin(ModuleSpec('_pyodide_core', BuiltinImporter))
    print('REOPENED create_builtin', sorted(dir(core))[:5])
except AttributeError as err:
    print('refused create_builtin')
sys.modules.pop('_imp', None)
try:
    import _imp as fresh
    print('fresh _imp has create_builtin:', hasattr(fresh, 'create_builtin'))
except Exception as err:
    print('refused fresh _imp', type(err).__name__)
try:
    import importlib.util
    spec = importlib.util.find_spec('_pyodide_core')
    print('REOPENED find_spec', spec)
except Exception:
    print('refused find_spec')
`);
    expect(out).not.toContain('REOPENED');
    expect(out).toContain('refused create_builtin');
    expect(out).toMatch(/refused fresh _imp|fresh _imp has create_builtin: False/);
    expect(out).toContain('refused find_spec');
  }, SLOW.timeout);

  it('41: ordinary builtin modules still import after the lock-down', async () => {
    const out = await h.contentOf('bridge-2', `import math, json, itertools, _struct, array\nprint(math.sqrt(16), json.dumps([1]))`);
    expect(out).toContain('4.0 [1]');
  }, SLOW.timeout);

  it('41: gc walkers are gone and cannot be brought back by reloading gc', async () => {
    const out = await h.contentOf('bridge-3', `
import gc, importlib, sys
print('walkers', [w for w in ('get_objects', 'get_referrers', 'get_referents') if hasattr(gc, w)])
try:
    importlib.reload(gc)
except Exception as err:
    print('reload refused', type(err).__name__)
sys.modules.pop('gc', None)
try:
    import gc as again
    print('again walkers', [w for w in ('get_objects', 'get_referrers', 'get_referents') if hasattr(again, w)])
except Exception:
    print('gc not re-importable')
`);
    expect(out).toContain('walkers []');
    expect(out).not.toMatch(/again walkers \['/);
  }, SLOW.timeout);

  it('41: no class found by an object.__subclasses__() walk builds a JS object (JsException(...).js_error was a live JS Error)', async () => {
    const out = await h.contentOf('bridge-4', `${WALK}
made = []
for cls in all_subclasses(object):
    module = str(getattr(cls, '__module__', '') or '')
    if cls.__name__.startswith('Js') or module.startswith(('pyodide', '_pyodide')):
        for args in ((), ('x',)):
            try:
                obj = cls(*args)
            except BaseException:
                continue
            made.append(f'{module}.{cls.__name__}')
print('made', sorted(set(made)))
print('bridge modules left in sys.modules', [n for n in __import__('sys').modules if n.split('.')[0] in ('js', 'pyodide', '_pyodide', '_pyodide_core', 'pyodide_js')])
`);
    expect(out).toContain('made []');
    expect(out).toContain('bridge modules left in sys.modules []');
  }, SLOW.timeout);
});

describe('nothing in the sandbox names a host path', () => {
  it('42: sys.executable, sys._base_executable, sys.orig_argv, sys.argv, sys.path and os.environ', async () => {
    const out = await h.contentOf('host-1', `
import os, sys
print(repr(sys.executable), repr(getattr(sys, '_base_executable', None)), sys.orig_argv, sys.argv)
print(sys.path)
print(dict(os.environ))
`);
    for (const hostPath of [process.cwd(), process.execPath, 'sandbox-child', 'node_modules', '/work', '/usr/bin/node']) {
      expect(out, hostPath).not.toContain(hostPath);
    }
    expect(out).toContain(`'' '' ['python'] ['']`);
  }, SLOW.timeout);
});
