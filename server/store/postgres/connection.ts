import pg from 'pg';
import { AppError } from '../../errors.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
/** Either the pool (one statement, its own transaction) or a client inside a transaction. */
export type PgQueryable = Pick<pg.Pool, 'query'>;

export interface PoolSettings {
  /** Connections this instance may hold; several instances share the server's max_connections. */
  max: number;
  /** Fails a connect (at boot: the whole boot) after this long instead of hanging on an unreachable host. */
  connectTimeoutMs: number;
  /** An idle connection that breaks (server restart, network) is reported here; the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** The URL an operator can read in a log line: no password, nothing after the database name. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** Checks what can be checked without connecting, so a typo fails with a sentence rather than a stack. */
export function validatePostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('STORE_UNAVAILABLE', 'DATABASE_URL is not a valid postgres:// URL (expected postgres://user:password@host:port/database).');
  }
  if (!isPostgresUrl(url)) throw new AppError('STORE_UNAVAILABLE', `DATABASE_URL "${describeUrl(url)}" is not a postgres:// or postgresql:// URL.`);
  if (!parsed.hostname && !parsed.searchParams.get('host')) throw new AppError('STORE_UNAVAILABLE', `DATABASE_URL "${describeUrl(url)}" names no host.`);
  if (parsed.pathname.replace(/^\//, '') === '') throw new AppError('STORE_UNAVAILABLE', `DATABASE_URL "${describeUrl(url)}" names no database (…/<database>).`);
}

export function createPool(url: string, settings: PoolSettings): PgPool {
  const pool = new pg.Pool({ connectionString: url, max: settings.max, connectionTimeoutMillis: settings.connectTimeoutMs });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => settings.onIdleError?.(err));
  return pool;
}

// Network failures (node) and PostgreSQL SQLSTATEs that mean "cannot be used right now", not a bug.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const UNAVAILABLE_SQLSTATES: Record<string, string> = {
  '28P01': 'the password was rejected',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
  '53100': 'the disk is full',
  '53200': 'the server is out of memory',
  '53300': 'the server has too many connections',
  '57P01': 'the server was shut down',
  '57P02': 'the server was shut down',
  '57P03': 'the server is starting up or shutting down',
  '25006': 'the database is read-only (a standby?)',
  '55P03': 'a lock could not be taken',
  '57014': 'the statement was cancelled (timeout)',
};

function unavailableReason(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : '';
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return `cannot connect (${code})`;
    if (UNAVAILABLE_SQLSTATES[code]) return UNAVAILABLE_SQLSTATES[code];
    // Class 08: connection exceptions.
    if (code.startsWith('08')) return 'the connection failed';
  }
  // pg reports its own timeout and a dropped connection without a code.
  if (/timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(message)) return 'cannot connect (timed out or dropped)';
  if (/Cannot use a pool after calling end/i.test(message)) return 'the store is closed';
  return undefined;
}

/**
 * Maps driver failures: unreachable or refusing servers become STORE_UNAVAILABLE, data the
 * database refuses (SQLSTATE classes 22 and 23) a BAD_REQUEST saying why; anything else is
 * rethrown untouched (a bug in our SQL should look like one).
 */
export function pgStoreError(err: unknown, where?: string): unknown {
  if (err instanceof AppError) return err;
  const place = where ? ` (${where})` : '';
  const reason = unavailableReason(err);
  if (reason) return new AppError('STORE_UNAVAILABLE', `The chat history database is unavailable${place}: ${reason}.`, { cause: err });
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    const detail = (err as { detail?: string }).detail;
    return new AppError('BAD_REQUEST', `The chat history database refused the data: ${(err as Error).message}${detail ? ` (${detail})` : ''}.`, { cause: err });
  }
  return err;
}

/** BEGIN … COMMIT on one pooled connection; any failure rolls back and the connection goes back to the pool. */
export async function inTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      // A connection that cannot even roll back is destroyed rather than reused.
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** pg returns BIGINT and NUMERIC (every SUM) as strings, to be exact; our counts fit a double. */
export const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
