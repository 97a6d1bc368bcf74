// The child process that runs one sql_query. Plain JavaScript so it starts the same way from
// server/ (vitest, tsx) and from dist/server/ (tsc copies it), with no loader.
//
// Why a process and not a worker thread: Worker.terminate() cannot interrupt SQLite while it is
// inside one long native step (an aggregate over a billion-row CTE, randomblob(5e8)); the thread
// keeps burning CPU until the step ends (measured: a terminated worker ran 12 s more on 1e8 rows).
// better-sqlite3 exposes neither sqlite3_interrupt nor a progress handler, so the only reliable
// stop is SIGKILL from the parent. One job per process: nothing survives from one query to the next.
//
// The parent has already gated the SQL (one SELECT/WITH, no ATTACH/PRAGMA/...). Here is the second
// gate: a connection opened read-only, and a statement that SQLite itself reports as a read-only
// reader. This file NEVER calls db.exec or db.loadExtension, and only fixed PRAGMA text is used.
import Database from 'better-sqlite3';

// If the server goes away, so does its query.
process.on('disconnect', () => process.exit(0));

process.once('message', (job) => {
  const reply = runQuery(job);
  process.send(reply, () => process.exit(0));
});

function runQuery({ file, sql, maxRows, maxBytes, maxCellChars }) {
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    // Belt and braces on top of readonly; fixed text, never tool input.
    db.pragma('query_only = ON');
    db.pragma('trusted_schema = OFF');
    const stmt = db.prepare(sql);
    if (!stmt.reader || !stmt.readonly) {
      return { ok: false, kind: 'rejected', message: 'Only read-only SELECT queries are allowed.' };
    }
    stmt.raw(true).safeIntegers(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows = [];
    let bytes = 0;
    let truncated = false;
    let cellsCut = false;
    for (const raw of stmt.iterate()) {
      if (rows.length >= maxRows) {
        truncated = true;
        break;
      }
      const row = raw.map((value) => toCell(value, maxCellChars));
      if (row.some((cell) => cell.cut)) cellsCut = true;
      const size = row.reduce((sum, cell) => sum + cell.bytes, 0);
      if (bytes + size > maxBytes) {
        truncated = true;
        break;
      }
      bytes += size;
      rows.push(row.map((cell) => cell.value));
    }
    return { ok: true, columns, rows, truncated, cellsCut };
  } catch (err) {
    return { ok: false, kind: 'sql', message: err instanceof Error ? err.message : String(err) };
  } finally {
    if (db?.open) db.close();
  }
}

/** A JSON-safe cell: big integers as exact text, blobs described, long text cut. */
function toCell(value, maxCellChars) {
  if (value === null) return { value: null, bytes: 4 };
  if (typeof value === 'bigint') {
    const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? { value: Number(value), bytes: 8 } : { value: value.toString(), bytes: 20 };
  }
  if (typeof value === 'number') {
    // JSON has no Infinity; SQLite REAL can hold it.
    return Number.isFinite(value) ? { value, bytes: 8 } : { value: String(value), bytes: 9 };
  }
  if (typeof value === 'string') {
    const cut = value.length > maxCellChars;
    const text = cut ? `${value.slice(0, maxCellChars)}…` : value;
    return { value: text, bytes: Buffer.byteLength(text), cut };
  }
  if (value instanceof Uint8Array) {
    const text = `[blob, ${value.length} bytes]`;
    return { value: text, bytes: text.length };
  }
  const text = String(value);
  return { value: text, bytes: Buffer.byteLength(text) };
}
