/**
 * The Python the offline demo model runs for a request: the person's own code when they gave some, a
 * small program for a few well-known tasks, or nothing — then the demo says plainly that it cannot
 * write that program, instead of running something unrelated.
 */

const FENCED = /```(?:python|py)?[ \t]*\n([\s\S]*?)```/i;
const AFTER_COLON = /\b(?:python|code|run|execute)\s*:\s*(.+)$/im;
const INLINE = /`([^`\n]{1,500})`/;
const NUMBER_LIST = /\[\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)*\s*\]|(?:-?\d+(?:\.\d+)?\s*,\s*){2,}-?\d+(?:\.\d+)?/;

function count(text: string, fallback: number, max: number): number {
  const n = Number(text.match(/\b(\d{1,6})\b/)?.[1] ?? fallback);
  return Math.min(Math.max(1, n), max);
}

function numbers(text: string): string | undefined {
  const list = text.match(NUMBER_LIST)?.[0];
  return list ? `[${list.replace(/[[\]]/g, '').split(',').map((n) => n.trim()).join(', ')}]` : undefined;
}

const TASKS: Array<{ when: RegExp; code: (text: string) => string | undefined }> = [
  {
    when: /\bprimes?\b/i,
    code: (text) =>
      /\b(up to|below|under|less than)\b/i.test(text)
        ? `limit = ${count(text, 100, 100_000)}\nprimes = [n for n in range(2, limit + 1) if all(n % d for d in range(2, int(n ** 0.5) + 1))]\nprint(primes)`
        : `count = ${count(text, 10, 10_000)}\nprimes, n = [], 2\nwhile len(primes) < count:\n    if all(n % p for p in primes if p * p <= n):\n        primes.append(n)\n    n += 1\nprint(primes)`,
  },
  {
    when: /\bfibonacci\b/i,
    code: (text) => `count = ${count(text, 10, 1000)}\na, b, out = 0, 1, []\nfor _ in range(count):\n    out.append(a)\n    a, b = b, a + b\nprint(out)`,
  },
  { when: /\bfactorial\b/i, code: (text) => `import math\nn = ${count(text, 10, 1000)}\nprint(f"{n}! =", math.factorial(n))` },
  {
    when: /\breverse\b/i,
    code: (text) => {
      const quoted = text.match(/["“']([^"”']{1,500})["”']/)?.[1];
      return quoted === undefined ? undefined : `text = ${JSON.stringify(quoted)}\nprint(text[::-1])`;
    },
  },
  {
    // "the squares of 1..10", "numbers from 1 to 100": a range, summed (of squares when asked).
    when: /\b(sum|total|add)\b/i,
    code: (text) => {
      const range = text.match(/\b(\d{1,6})\s*(?:\.\.|to|-|–)\s*(\d{1,6})\b/);
      if (!range) return undefined;
      const term = /\bsquares?\b/i.test(text) ? 'n ** 2' : /\bcubes?\b/i.test(text) ? 'n ** 3' : 'n';
      return `print(sum(${term} for n in range(${range[1]}, ${range[2]} + 1)))`;
    },
  },
  { when: /\bsort\b/i, code: (text) => (numbers(text) ? `values = ${numbers(text)}\nprint(sorted(values))` : undefined) },
  { when: /\b(sum|total|average|mean)\b/i, code: (text) => (numbers(text) ? `values = ${numbers(text)}\nprint("sum:", sum(values), "average:", sum(values) / len(values))` : undefined) },
];

/** Arithmetic as Python: "2^10 + 3" → "2**10 + 3" (only digits, operators and parentheses). */
function arithmetic(text: string): string | undefined {
  const found = text.match(/[\d(][\d\s.+\-*/^%()]*\d\)?/g)?.filter((c) => /\d\s*[-+*/^%]\s*[\d(]/.test(c));
  const best = found?.sort((a, b) => b.length - a.length)[0]?.trim();
  return best ? best.replace(/\^/g, '**') : undefined;
}

export function pythonFor(text: string): string | undefined {
  const fenced = text.match(FENCED)?.[1]?.trim();
  if (fenced) return fenced;
  const afterColon = text.match(AFTER_COLON)?.[1]?.trim();
  if (afterColon && /[()=\d]/.test(afterColon)) return afterColon.replace(/^`|`$/g, '');
  const inline = text.match(INLINE)?.[1]?.trim();
  if (inline && /[()=]/.test(inline)) return inline;
  for (const task of TASKS) {
    if (!task.when.test(text)) continue;
    const code = task.code(text);
    if (code) return code;
  }
  const expression = arithmetic(text);
  return expression ? `print(${JSON.stringify(expression)}, "=", ${expression})` : undefined;
}

/** What the demo says when asked for code it cannot derive. */
export const CANNOT_WRITE_CODE =
  'The offline demo model cannot write a program for that. Give me the Python itself — in a ```python block, or after `Python:` — or ask for primes, Fibonacci numbers, a factorial, sorting or summing a list of numbers, and I will run it in the sandbox.';
