import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserRateLimits } from '../../server/chat/user-rate-limits.js';

describe('per-user rate buckets', () => {
  afterEach(() => vi.useRealTimers());

  it('gives every socket of one user the same bucket', () => {
    const limits = new UserRateLimits(1, 2, 10);
    expect(limits.bucketFor('a@x').take()).toBe(true);
    expect(limits.bucketFor('a@x').take()).toBe(true);
    expect(limits.bucketFor('a@x').take()).toBe(false);
  });

  it('never holds more than its cap however many identities appear, keeping draining buckets first', () => {
    vi.useFakeTimers();
    const limits = new UserRateLimits(1, 2, 10);
    limits.bucketFor('busy@x').take();
    limits.bucketFor('busy@x').take();
    for (let i = 0; i < 10_000; i += 1) limits.bucketFor(`user${i}@x`);
    expect(limits.size).toBeLessThanOrEqual(10);
    const busy = new UserRateLimits(1, 2, 3);
    busy.bucketFor('a@x').take();
    busy.bucketFor('a@x').take();
    busy.bucketFor('b@x');
    busy.bucketFor('c@x');
    busy.bucketFor('d@x'); // b and c are full: they go, a (empty) stays
    expect(busy.bucketFor('a@x').take()).toBe(false);
    expect(busy.size).toBeLessThanOrEqual(3);
  });
});
