import { StreamRedactor } from '../server/chat/stream-redactor.js';

/**
 * Per-token cost of keeping configured secrets out of answer deltas (checklist 45):
 *
 *   npx tsx bench/stream-redaction.ts
 *
 * Feeds the same 200,000 realistic tokens (words of 1–8 characters, some starting like a key) through
 * a plain string append — what DeltaBuffer did before — and through StreamRedactor with three
 * secrets, and prints ns per token and the ratio. Best of five rounds, so a scheduler hiccup on the
 * shared machine does not count as redactor cost.
 */

const TOKENS = 200_000;
const ROUNDS = 5;
const SECRETS = ['sk-upstream-secret-key-0123456789', 'proxy-shared-secret-abcdef', 'sk-tenant-credential-zyxwvu'];
const WORDS = ['the', ' answer', ' is', ' sk', '-', ' quarterly', ' revenue', ' p', 'roxy', ' 42', '.', '\n', ' s', 'k-up'];
const tokens = Array.from({ length: TOKENS }, (_, i) => WORDS[(i * 7919) % WORDS.length]!);

function timeNsPerToken(run: () => number): { ns: number; chars: number } {
  let best = Infinity;
  let chars = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = process.hrtime.bigint();
    chars = run();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / TOKENS);
  }
  return { ns: best, chars };
}

/** Appends and drops the buffer every 64 tokens, like a flush, so string growth does not dominate. */
function plain(): number {
  let pending = '';
  let total = 0;
  for (let i = 0; i < TOKENS; i += 1) {
    pending += tokens[i]!;
    if (i % 64 === 63) (total += pending.length), (pending = '');
  }
  return total + pending.length;
}

function redacted(): number {
  const redactor = new StreamRedactor(SECRETS);
  let pending = '';
  let total = 0;
  for (let i = 0; i < TOKENS; i += 1) {
    pending += redactor.push(tokens[i]!);
    if (i % 64 === 63) (total += pending.length), (pending = '');
  }
  return total + pending.length + redactor.end().length;
}

const base = timeNsPerToken(plain);
const guarded = timeNsPerToken(redacted);
if (base.chars !== guarded.chars) throw new Error(`redaction changed text without secrets: ${base.chars} vs ${guarded.chars} chars`);
console.log(`stream redaction, ${TOKENS} tokens, ${SECRETS.length} secrets, best of ${ROUNDS}`);
console.log(`  plain append:      ${base.ns.toFixed(1)} ns/token`);
console.log(`  with redactor:     ${guarded.ns.toFixed(1)} ns/token`);
console.log(`  added per token:   ${(guarded.ns - base.ns).toFixed(1)} ns (${(guarded.ns / base.ns).toFixed(1)}x the append; design §10 budget per token is 5 ms)`);
