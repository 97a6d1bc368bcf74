/**
 * Hardening of the sandbox child's own JavaScript realm. If Python ever reaches a JS object (the
 * Python-level blocks are not a boundary), what it finds here must be useless: no way to signal
 * other processes, no native bindings, no sockets, no Pyodide API that mounts host files or loads
 * packages. The Node permission model (no child processes, workers, addons or fs writes; reads only
 * of Pyodide and this directory) and `--disallow-code-generation-from-strings` (no `Function(...)`
 * back to `process`) are set on the command line by the parent; this file covers what they do not.
 */
import { constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function refuse(what) {
  return function refused() {
    throw new Error(`${what} is disabled in the Python sandbox`);
  };
}

/**
 * Before Pyodide loads. Pyodide's NODEFS reads `process.binding('constants').fs` at start-up, which
 * the permission model forbids; answer just that one question from the public `fs.constants`.
 */
export function prepareRealmForPyodide() {
  process.binding = function bindingForPyodide(name) {
    if (name === 'constants') return { fs: fsConstants };
    throw new Error(`process.binding(${String(name)}) is disabled in the Python sandbox`);
  };
  // stdout is the protocol channel: nothing else may ever write to it.
  console.log = console.info = console.debug = console.warn = console.error;
  cutNetworkEntryPoints();
}

/**
 * Sockets are cut at the prototypes every client goes through (net.connect, tls, http agents and
 * fetch all end in `Socket.prototype.connect`), so Pyodide's socket emulation and any escaped JS
 * cannot open a connection even where no network namespace is available ('process-only').
 * The stdio pipes are sockets too, but they are opened on inherited fds and never connect or listen.
 */
function cutNetworkEntryPoints() {
  const net = require('node:net');
  const dgram = require('node:dgram');
  net.Socket.prototype.connect = refuse('net.Socket.connect');
  net.Server.prototype.listen = refuse('net.Server.listen');
  dgram.Socket.prototype.bind = refuse('dgram.Socket.bind');
  dgram.Socket.prototype.connect = refuse('dgram.Socket.connect');
  dgram.Socket.prototype.send = refuse('dgram.Socket.send');
}

/** Process methods that reach outside this process (signals, debugger attach, native code, env files). */
const PROCESS_ESCAPE_HATCHES = [
  'kill',
  '_kill',
  '_debugProcess',
  '_debugEnd',
  'binding',
  '_linkedBinding',
  'dlopen',
  'getBuiltinModule',
  'loadEnvFile',
  'chdir',
  'setuid',
  'setgid',
  'seteuid',
  'setegid',
  'setgroups',
  'initgroups',
];

/** Pyodide API entry points that mount host directories, load packages or register JS modules. */
const PYODIDE_ESCAPE_HATCHES = [
  'loadPackage',
  'loadPackagesFromImports',
  'mountNodeFS',
  'mountNativeFS',
  'useNodeSockFS',
  'registerJsModule',
  'pyimport',
];

/** After Pyodide has loaded, before the first user code runs. */
export function lockDownRealm(pyodide) {
  for (const name of PROCESS_ESCAPE_HATCHES) {
    if (!(name in process)) continue;
    try {
      delete process[name];
    } catch {
      /* non-configurable: overwritten below */
    }
    if (name in process) process[name] = refuse(`process.${name}`);
  }
  for (const name of PYODIDE_ESCAPE_HATCHES) {
    pyodide[name] = refuse(`pyodide.${name}`);
  }
  const api = pyodide._api;
  if (api && typeof api === 'object') api.loadBinaryFile = refuse('loadBinaryFile');
  // A JS Error handle that reaches Python could install Error.prepareStackTrace and be handed V8
  // CallSites (getThis/getFunction: the WebAssembly.Instance, Pyodide's Module). Pin it to
  // "none" and freeze the constructor so no hook can ever be set (checklist 41).
  Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });
  Object.freeze(Error);
  // Without the NODEFS type nothing can mount a host directory, whatever reaches the FS object.
  if (pyodide.FS?.filesystems) delete pyodide.FS.filesystems.NODEFS;
}
