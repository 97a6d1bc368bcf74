import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_MIGRATIONS } from '../server/store/migrations/sqlite/index.js';
import { SqliteStore } from '../server/store/sqlite-store.js';
import { SqliteWorkerStore } from '../server/store/sqlite-worker-store.js';
import type { Store } from '../server/store/store.js';
import { fmt, printTable } from './support/report.js';

/**
 * Where the store worker's CPU goes for one streamed answer (issue "chats that last"): the writes
 * StoreSink makes per answer, in its order, each kind timed on its own, with the real FTS5 index
 * and with search_index as a plain table (what the same writes cost without full-text indexing).
 * SqliteStore is synchronous underneath, so the CPU of one awaited call is that write's own work,
 * exactly what the worker thread spends on it (the thread hop is not counted).
 *
 *   npx tsx bench/answer-writes.ts        (ANSWERS=2000 over PREFILL=2000 conversations)
 *   STORE=worker npx tsx bench/answer-writes.ts   (through the worker thread, as the server does:
 *   the hop's own cost shows as the difference; the plain-index column then keeps the FTS5 index)
 */

const ANSWERS = Number(process.env.ANSWERS ?? 2000);
const PREFILL = Number(process.env.PREFILL ?? 2000);
const PARTIALS = 2; // a 5 s answer saved every ~2 s
const OWNER = 'bench@example.com';

let seed = 7;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919).toString(36)}`);
const sentence = (n: number) => Array.from({ length: n }, () => words[Math.floor(words.length * random() ** 2)]!).join(' ');

// The same table shape without FTS5: the writes are identical, only the indexing work is gone.
const PLAIN_INDEX = SQLITE_MIGRATIONS.map((m) =>
  m.name === 'search' ? { ...m, sql: 'CREATE TABLE search_index (rowid INTEGER PRIMARY KEY, conversation_pk, owner_key, title, body);' } : m,
);

type Kind = 'createConversation' | 'update (selection)' | 'appendMessages (user)' | 'update (title)' | 'upsert (start)' | 'upsert (partial)' | 'upsert (final)' | 'recordUsage';

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One answer's writes, as StoreSink makes them for the first message of a chat. */
async function answer(store: Store, n: number, spent: Map<Kind, number>): Promise<void> {
  const timed = async (kind: Kind, write: () => Promise<unknown>) => {
    const start = cpuMs();
    await write();
    spent.set(kind, (spent.get(kind) ?? 0) + cpuMs() - start);
  };
  const id = `c${n}`;
  const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  const base = { id: `a${n}`, conversationId: id, role: 'assistant' as const, createdAt: at, model: 'demo' };
  await timed('createConversation', () => store.createConversation({ id, owner: OWNER, tenant: 't', title: '', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: at }));
  await timed('update (selection)', () => store.updateConversation(id, OWNER, { tools: [], dataSources: [], locked: true }));
  const question = sentence(15);
  await timed('appendMessages (user)', () => store.appendMessages(id, [{ id: `u${n}`, conversationId: id, role: 'user', text: question, createdAt: at }]));
  await timed('update (title)', () => store.updateConversation(id, OWNER, { title: question.slice(0, 40) }));
  await timed('upsert (start)', () => store.upsertMessage({ ...base, text: '', incomplete: true }, { partial: true }));
  const full = sentence(100);
  const cut = full.split(' ');
  for (let p = 1; p <= PARTIALS; p += 1) {
    const text = cut.slice(0, Math.round((cut.length * p) / (PARTIALS + 1))).join(' ');
    await timed('upsert (partial)', () => store.upsertMessage({ ...base, text, incomplete: true }, { partial: true }));
  }
  await timed('upsert (final)', () => store.upsertMessage({ ...base, text: full, incomplete: false, finishReason: 'stop' }));
  await timed('recordUsage', () =>
    store.recordUsage({ user: OWNER, tenant: 't', model: 'demo', at: new Date(at), promptTokens: 20, completionTokens: 100, estimated: false, conversationId: id }),
  );
}

async function measure(migrations: typeof SQLITE_MIGRATIONS): Promise<Map<Kind, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'answer-writes-'));
  const file = join(dir, 'galaxy.db');
  // The worker always opens the shipped schema, so there both columns index with FTS5.
  const store: Store = process.env.STORE === 'worker' ? await SqliteWorkerStore.open(file) : SqliteStore.open(file, migrations);
  try {
    const ignored = new Map<Kind, number>();
    for (let n = 0; n < PREFILL; n += 1) await answer(store, n, ignored);
    const spent = new Map<Kind, number>();
    for (let n = PREFILL; n < PREFILL + ANSWERS; n += 1) await answer(store, n, spent);
    return spent;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const withFts = await measure(SQLITE_MIGRATIONS);
const withoutFts = await measure(PLAIN_INDEX);
const perAnswer = (m: Map<Kind, number>, k: Kind) => (m.get(k) ?? 0) / ANSWERS;
const kinds = [...withFts.keys()];
const total = (m: Map<Kind, number>) => kinds.reduce((sum, k) => sum + perAnswer(m, k), 0);
printTable(
  `Store CPU per answer, ms (${ANSWERS} answers after ${PREFILL}; ${PARTIALS} partial saves each; file database, WAL)`,
  ['write', 'with FTS5', 'search_index a plain table', 'FTS share'],
  [
    ...kinds.map((k) => [k, fmt(perAnswer(withFts, k), 3), fmt(perAnswer(withoutFts, k), 3), fmt(perAnswer(withFts, k) - perAnswer(withoutFts, k), 3)]),
    ['all', fmt(total(withFts), 3), fmt(total(withoutFts), 3), fmt(total(withFts) - total(withoutFts), 3)],
  ],
);
