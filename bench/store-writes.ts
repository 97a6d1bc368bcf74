import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SqliteStore } from '../server/store/sqlite-store.js';
import type { StoredMessage } from '../server/store/store.js';
import { describeMachineLoad, fmt, printTable, summarize, verdict } from './support/report.js';

/**
 * The SQLite store's cost to the event loop (design §13: move writes to a worker past ~5 ms) and
 * search latency at scale. better-sqlite3 is synchronous, so the time of one call IS the time the
 * loop is blocked; monitorEventLoopDelay confirms it from the loop's side.
 *
 *   npx tsx bench/store-writes.ts            (10,000 conversations, 500,000 messages, one user)
 *   CONVERSATIONS=1000 MESSAGES_PER=20 npx tsx bench/store-writes.ts   (quick run)
 */

const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 10_000);
const MESSAGES_PER = Number(process.env.MESSAGES_PER ?? 50);
const WRITE_ROUNDS = 200;
const BATCH = 20;
const QUERIES = 300;
const OWNER = 'bench@example.com';

// A deterministic pseudo-vocabulary: a few very common words, a long tail, so queries hit realistic doclists.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const syllables = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'de', 'po', 'zan', 'gur'];
const vocabulary = Array.from({ length: 5000 }, (_, i) => {
  let word = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
  return word;
});
const pickWord = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!; // skewed: low indexes common
const sentence = (words: number) => Array.from({ length: words }, pickWord).join(' ');

const message = (conversationId: string, n: number): StoredMessage => ({
  id: `${conversationId}-m${n}`,
  conversationId,
  role: n % 2 === 0 ? 'user' : 'assistant',
  text: sentence(n % 2 === 0 ? 15 : 80),
  createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
});

async function timeBlocks(label: string, work: () => Promise<void>, rounds: number) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const durations: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await work();
    durations.push(performance.now() - start);
    // Let the loop (and the monitor's timer) run between operations, as a live server would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  loop.disable();
  return { label, ...summarize(durations), loopMaxMs: loop.max / 1e6 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-store-bench-'));
  const store = SqliteStore.open(join(dir, 'galaxy.db'));
  try {
    console.log(`store-writes: ${await describeMachineLoad()}`);
    const base = { owner: OWNER, tenant: 'acme', model: 'demo', tools: [], dataSources: [], locked: false };

    // 1. Writes: a batch of 20 messages in one transaction vs. the same 20 as separate calls.
    await store.createConversation({ ...base, id: 'writes', title: 'writes', createdAt: '2026-01-01T00:00:00.000Z' });
    let n = 0;
    const batched = await timeBlocks('appendMessages, 20 per transaction', async () => {
      await store.appendMessages('writes', Array.from({ length: BATCH }, () => message('writes', n++)));
    }, WRITE_ROUNDS);
    // Per row, each call is its own block; the loop gets a turn between them.
    const perRow = await timeBlocks('upsertMessage, 1 per transaction', async () => {
      await store.upsertMessage(message('writes', n++));
    }, WRITE_ROUNDS * BATCH);
    console.log(`\nper 20 messages: batched p50 ${fmt(batched.p50)} ms in one block; per row p50 ${fmt(perRow.p50 * BATCH)} ms in ${BATCH} blocks`);
    printTable('Event-loop block per operation (ms)', ['operation', 'n', 'p50', 'p99', 'max', 'loop max'], [batched, perRow].map((r) => [r.label, r.n, fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.loopMaxMs)]));

    // 2. Search at scale: one user with CONVERSATIONS × MESSAGES_PER messages.
    const fillStart = performance.now();
    for (let c = 0; c < CONVERSATIONS; c++) {
      const id = `c${c}`;
      await store.createConversation({ ...base, id, title: sentence(5), createdAt: new Date(Date.UTC(2025, 0, 1) + c * 60_000).toISOString() });
      await store.appendMessages(id, Array.from({ length: MESSAGES_PER }, (_, i) => message(id, i)));
    }
    const fillS = (performance.now() - fillStart) / 1000;
    console.log(`\nfilled ${CONVERSATIONS} conversations, ${CONVERSATIONS * MESSAGES_PER} messages in ${fmt(fillS, 1)} s`);

    const common = vocabulary.slice(0, 20);
    const tail = vocabulary.slice(1000, 5000);
    const runs: Array<[string, () => string]> = [
      ['common word (top 20)', () => common[Math.floor(random() * common.length)]!],
      ['long-tail word', () => tail[Math.floor(random() * tail.length)]!],
      ['two words', () => `${pickWord()} ${pickWord()}`],
    ];
    const rows = [];
    let worstP99 = 0;
    for (const [label, query] of runs) {
      const times: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = query();
        const start = performance.now();
        await store.searchConversations(OWNER, q, { limit: 20 });
        times.push(performance.now() - start);
      }
      const s = summarize(times);
      worstP99 = Math.max(worstP99, s.p99);
      rows.push([label, s.n, fmt(s.p50), fmt(s.p99), fmt(s.max)]);
    }
    printTable(`Search latency (ms), ${CONVERSATIONS} conversations / ${CONVERSATIONS * MESSAGES_PER} messages, one user, limit 20`, ['query', 'n', 'p50', 'p99', 'max'], rows);
    verdict('write block p99 ≤ 5 ms (batched)', batched.p99 <= 5, `${fmt(batched.p99)} ms`);
    verdict('search p99 < 50 ms', worstP99 < 50, `${fmt(worstP99)} ms (worst query kind)`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
