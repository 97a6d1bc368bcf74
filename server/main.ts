import { startServer } from './app.js';
import { withEnvFile } from './config/env-file.js';
import { ConfigError } from './config/env.js';

/**
 * Production entry point (`npm start`, `npm run demo`): settings from the environment over `.env`
 * (or ENV_FILE) when present, graceful stop on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const server = await startServer({ env: withEnvFile(process.env) });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.ctx.log.info({ signal }, 'signal received');
    server
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        server.ctx.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  // A stray rejected promise is a bug to log, not a reason to drop every user's live chat.
  process.on('unhandledRejection', (reason) => server.ctx.log.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Galaxy Chat failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
