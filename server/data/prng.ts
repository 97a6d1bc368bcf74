/**
 * A small seeded pseudo-random generator for the sample data. The clock and Math.random are never
 * used, so the same seed always produces the same databases. Each data set draws from its own
 * labelled stream, so adding a draw to one generator never shifts the values of another.
 */

/** FNV-1a over UTF-16 code units: turns a seed and a label into a 32-bit state. */
function hashToState(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export class Rng {
  private state: number;

  constructor(seed: number, label: string) {
    this.state = hashToState(`${seed}:${label}`);
  }

  /** Mulberry32 step: a float in [0, 1). Plenty for sample data; not for anything secret. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by relative weight, e.g. [['low', 5], ['urgent', 1]]. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** Roughly normal (sum of uniforms), clamped: realistic spreads without long tails. */
  around(mean: number, spread: number, min: number, max: number): number {
    const u = (this.next() + this.next() + this.next()) / 3 - 0.5;
    return Math.min(max, Math.max(min, mean + u * 2 * spread));
  }
}
