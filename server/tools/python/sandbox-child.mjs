/**
 * The sandboxed Python process: one per chat session, started by sandbox-process.ts with an empty
 * environment, an empty temp cwd, the Node permission model, no code generation from strings, a
 * wasm memory cap and (where the OS allows) fresh user, network and PID namespaces.
 *
 * argv[2] is JSON: { mode, pyodideUrl, snapshotPath, outputMaxBytes, resultMaxChars, chartMaxChars }.
 *
 * mode "snapshot": load Pyodide, write { "type": "snapshot", "bytes": n } and then n raw bytes of
 * interpreter memory to stdout, and exit. Run once at start-up, before any user code exists, so
 * later children restore in ~0.5 s instead of paying the full load (see snapshot.ts).
 *
 * mode "serve" — one JSON object per line:
 *   stdin  (parent → child): { "id": n, "code": "..." }
 *   stdout (child → parent): { "type": "ready" } once Pyodide is loaded and locked down, then one
 *     { "type": "result", "id": n, stdout, stderr, stdoutTruncated, stderrTruncated,
 *       outputLimitReached, result, chart, error, fatal } per request;
 *     or { "type": "fatal", "message": "..." } if start-up fails.
 * Nothing else may write to stdout. The parent never trusts these frames beyond their size and shape.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { lockDownRealm, prepareRealmForPyodide } from './sandbox-realm.mjs';
import { SANDBOX_SETUP } from './sandbox-python.mjs';

const settings = JSON.parse(process.argv[2] ?? '{}');
const stdoutStream = process.stdout;
const exitProcess = process.exit.bind(process);

function writeFrame(frame) {
  stdoutStream.write(`${JSON.stringify(frame)}\n`);
}

/** Keeps the first `limitBytes` of a stream, counts the rest, and reports when the limit is passed. */
function createCapture(limitBytes, onOverflow) {
  let chunks = [];
  let kept = 0;
  let total = 0;
  return {
    writer: {
      isatty: false,
      write(buffer) {
        total += buffer.length;
        if (kept < limitBytes) {
          const take = Math.min(buffer.length, limitBytes - kept);
          // Buffer.from copies: `buffer` is a view into wasm memory that Python will overwrite.
          chunks.push(Buffer.from(buffer.subarray(0, take)));
          kept += take;
        }
        if (total > limitBytes) onOverflow();
        return buffer.length;
      },
    },
    take() {
      const text = Buffer.concat(chunks).toString('utf8');
      const truncated = total > limitBytes;
      chunks = [];
      kept = 0;
      total = 0;
      return { text, truncated };
    },
  };
}

async function loadInterpreter() {
  prepareRealmForPyodide();
  const { loadPyodide } = await import(settings.pyodideUrl);
  const discardStartupOutput = () => {};
  return loadPyodide({
    // Python's `js` module is this object: nothing of the host realm is reachable through it.
    jsglobals: Object.create(null),
    env: { HOME: '/home/pyodide' },
    // NEVER let Pyodide fall back to reading fd 0: that is the request channel.
    stdin: () => null,
    stdout: discardStartupOutput,
    stderr: discardStartupOutput,
    ...(settings.mode === 'snapshot' ? { _makeSnapshot: true } : {}),
    ...(settings.snapshotPath ? { _loadSnapshot: readFileSync(settings.snapshotPath) } : {}),
  });
}

async function writeSnapshot() {
  const pyodide = await loadInterpreter();
  const bytes = pyodide.makeMemorySnapshot();
  writeFrame({ type: 'snapshot', bytes: bytes.length });
  stdoutStream.end(bytes, () => exitProcess(0));
}

async function startInterpreter() {
  const pyodide = await loadInterpreter();
  const interrupt = new Int32Array(1);
  pyodide.setInterruptBuffer(interrupt);
  let outputLimitReached = false;
  // Over the cap, ask Python to stop (KeyboardInterrupt at its next check) on every further write,
  // so a printing loop ends promptly instead of running to the wall-clock limit.
  const stopForOutput = () => {
    outputLimitReached = true;
    interrupt[0] = 2; // SIGINT
  };
  const stdout = createCapture(settings.outputMaxBytes, stopForOutput);
  const stderr = createCapture(settings.outputMaxBytes, stopForOutput);
  pyodide.setStdin({ stdin: () => null });
  pyodide.setStdout(stdout.writer);
  pyodide.setStderr(stderr.writer);

  const { PythonError } = pyodide.ffi;
  pyodide.runPython(SANDBOX_SETUP);
  const build = pyodide.globals.get('_galaxy_build_sandbox');
  const run = build(settings.resultMaxChars, settings.chartMaxChars);
  build.destroy();
  // From here on NEVER call pyodide.runPython: the setup emptied the modules it relies on.
  lockDownRealm(pyodide);

  return function runCode(id, code) {
    interrupt[0] = 0;
    outputLimitReached = false;
    let reply;
    let fatal = false;
    try {
      reply = JSON.parse(run(code));
    } catch (err) {
      // A Python exception escaped the runner itself: the output-limit interrupt can land after the
      // user's code, in the runner's own bookkeeping. The interpreter is intact; only the reply is lost.
      // Anything else (e.g. the wasm stack overflowed) leaves the interpreter unusable.
      fatal = !(err instanceof PythonError);
      const detail = fatal ? `The Python interpreter crashed: ${String(err?.message ?? err).slice(0, 2000)}` : null;
      reply = { result: null, chart: null, error: detail };
    }
    interrupt[0] = 0;
    const out = stdout.take();
    const err = stderr.take();
    if (outputLimitReached && (reply.error === null || /KeyboardInterrupt\s*$/.test(reply.error))) {
      reply.error =
        `OutputLimitExceeded: output is limited to ${settings.outputMaxBytes} bytes; the rest was discarded ` +
        'and the program was interrupted if it was still running.';
    }
    return {
      type: 'result',
      id,
      stdout: out.text,
      stderr: err.text,
      stdoutTruncated: out.truncated,
      stderrTruncated: err.truncated,
      outputLimitReached,
      result: reply.result,
      chart: reply.chart,
      error: reply.error,
      fatal,
    };
  };
}

async function main() {
  let runCode;
  try {
    if (settings.mode === 'snapshot') return await writeSnapshot();
    runCode = await startInterpreter();
  } catch (err) {
    writeFrame({ type: 'fatal', message: String(err?.message ?? err).slice(0, 2000) });
    exitProcess(1);
    return;
  }
  const requests = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // stdin closes when the parent exits or disposes this session: MUST NOT outlive it.
  requests.on('close', () => exitProcess(0));
  let crashed = false;
  requests.on('line', (line) => {
    if (crashed) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof request?.code !== 'string' || typeof request?.id !== 'number') return;
    const frame = runCode(request.id, request.code);
    writeFrame(frame);
    if (frame.fatal) {
      // NEVER run more code in a crashed interpreter: report, then exit.
      crashed = true;
      stdoutStream.end(() => exitProcess(1));
    }
  });
  // Pyodide still has queued start-up work (hundreds of ms) when loadPyodide resolves. Let it run
  // first, so "ready" means a request is served at once rather than after that backlog.
  await new Promise((resolve) => setTimeout(resolve, 0));
  writeFrame({ type: 'ready' });
}

await main();
