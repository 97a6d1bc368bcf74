import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What the operating system lets us wrap around a sandbox child, detected once at start-up.
 *
 * - `netns`: `unshare -rn` gives the child a user namespace and an empty network namespace (only a
 *   loopback that is down), so no socket can reach anything — the only network guarantee that
 *   holds even if Python escapes into JavaScript. With `--pid` it also cannot see or signal any
 *   process outside (the server included).
 * - `process-only`: containers often forbid user namespaces. The child is still a separate process
 *   with the Node permission model, and sockets are cut inside it (sandbox-realm.mjs), but that is
 *   a userland fence, not a kernel one. Operators can refuse this mode with CODE_REQUIRE_NETNS.
 *
 * `setpriv --pdeathsig KILL` makes the kernel kill the child when the server dies, even a SIGKILLed
 * server and even while Python is busy and never reads its closed stdin.
 */
export type IsolationLevel = 'netns' | 'process-only';

export interface SandboxIsolation {
  level: IsolationLevel;
  pidNamespace: boolean;
  /** The kernel kills the child when the server process dies. */
  parentDeathSignal: boolean;
  /** argv prefix placed before `node …` (absolute paths: the child's environment is empty). */
  launcherPrefix: string[];
}

/** Finds an executable on the server's PATH; the child itself gets no PATH at all. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** True when `argv` runs and exits 0 within a few seconds. */
function succeeds(argv: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const [command, ...args] = argv;
    if (!command) return resolve(false);
    const probe = spawn(command, args, { stdio: 'ignore', env: {} });
    const timer = setTimeout(() => probe.kill('SIGKILL'), 5_000);
    probe.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    probe.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

export interface DetectOptions {
  /** Skip namespaces even when available (tests of the 'process-only' fallback). */
  useNamespaces: boolean;
}

export async function detectIsolation(options: DetectOptions): Promise<SandboxIsolation> {
  const setpriv = findExecutable('setpriv');
  const unshare = findExecutable('unshare');
  const truePath = findExecutable('true') ?? '/bin/true';

  const deathPrefix = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--'] : [];
  const parentDeathSignal = deathPrefix.length > 0 && (await succeeds([...deathPrefix, truePath]));
  const prefix = parentDeathSignal ? deathPrefix : [];

  if (options.useNamespaces && unshare) {
    // --kill-child: when unshare (the process we signal) dies, the kernel kills the forked child.
    const withPid = [unshare, '--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child', '--'];
    if (await succeeds([...prefix, ...withPid, truePath])) {
      return { level: 'netns', pidNamespace: true, parentDeathSignal, launcherPrefix: [...prefix, ...withPid] };
    }
    const netOnly = [unshare, '--user', '--map-root-user', '--net', '--'];
    if (await succeeds([...prefix, ...netOnly, truePath])) {
      return { level: 'netns', pidNamespace: false, parentDeathSignal, launcherPrefix: [...prefix, ...netOnly] };
    }
  }
  return { level: 'process-only', pidNamespace: false, parentDeathSignal, launcherPrefix: prefix };
}
