import type { Histogram } from 'prom-client';

/**
 * The plain-number halves of Galaxy's series: counts and observations kept without prom-client, so
 * recording works from the first moment and prom-client can be imported late (see PrometheusMetrics).
 */

export const OTHER = 'other';

/** The value when it is one of the known ones, else "other": label values stay bounded. */
export function bounded(known: ReadonlySet<string>, value: string): string {
  return known.has(value) ? value : OTHER;
}

/** A counter per label combination; a prom Counter is filled from it at each scrape. */
export class CountsByLabels<L extends string> {
  private readonly entries = new Map<string, { labels: Record<L, string>; value: number }>();

  add(labels: Record<L, string>, by = 1): void {
    const key = Object.values<string>(labels).join('\u0000');
    const entry = this.entries.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.entries.set(key, entry);
  }

  values(): IterableIterator<{ labels: Record<L, string>; value: number }> {
    return this.entries.values();
  }
}

/**
 * Observations for a histogram that may not exist yet: buffered until `attach`, then passed
 * straight through. The buffer only lives between start and the post-listen load (milliseconds).
 */
export class BufferedHistogram<L extends string> {
  private target: Histogram<L> | undefined;
  private pending: Array<[Record<L, string>, number]> = [];

  observe(labels: Record<L, string>, seconds: number): void {
    if (this.target) this.target.observe(labels, seconds);
    else this.pending.push([labels, seconds]);
  }

  attach(histogram: Histogram<L>): void {
    for (const [labels, seconds] of this.pending) histogram.observe(labels, seconds);
    this.pending = [];
    this.target = histogram;
  }
}
