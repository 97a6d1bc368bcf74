import { describe, expect, it } from 'vitest';
import { LocalLimits } from '../../server/scale/limits.js';

function limits(ratePerS = 1, burst = 2, maxUsers = 10) {
  const clock = { now: 1_000_000 };
  return { clock, limits: new LocalLimits({ messageRatePerS: ratePerS, messageBurst: burst, maxUsers, now: () => clock.now }) };
}

describe('LocalLimits: message buckets', () => {
  it('gives every socket of one user the same bucket, and says when the next token comes', () => {
    const { limits: l, clock } = limits(2, 2);
    expect(l.takeMessage('a@x')).toEqual({ allowed: true });
    expect(l.takeMessage('a@x')).toEqual({ allowed: true });
    expect(l.takeMessage('a@x')).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(l.takeMessage('b@x').allowed).toBe(true);
    clock.now += 500;
    expect(l.takeMessage('a@x')).toEqual({ allowed: true });
    expect(l.takeMessage('a@x').allowed).toBe(false);
  });

  it('refills no further than the burst however long the user was away', () => {
    const { limits: l, clock } = limits(1, 2);
    l.takeMessage('a@x');
    clock.now += 3_600_000;
    expect([l.takeMessage('a@x'), l.takeMessage('a@x'), l.takeMessage('a@x')].map((v) => v.allowed)).toEqual([true, true, false]);
  });

  it('never holds more than its cap however many identities appear, keeping draining buckets first', () => {
    const { limits: many } = limits(1, 2, 10);
    for (let i = 0; i < 10_000; i += 1) many.takeMessage(`user${i}@x`);
    expect(many.bucketCount).toBeLessThanOrEqual(10);
    const { limits: busy, clock } = limits(1, 2, 3);
    busy.takeMessage('a@x');
    busy.takeMessage('a@x');
    busy.takeMessage('b@x');
    busy.takeMessage('c@x');
    clock.now += 1000; // b and c are full again, a (one token) is not
    busy.takeMessage('d@x'); // b and c go, a stays
    expect(busy.takeMessage('a@x').allowed).toBe(true);
    expect(busy.takeMessage('a@x').allowed).toBe(false);
    expect(busy.bucketCount).toBeLessThanOrEqual(3);
  });
});

describe('LocalLimits: leases', () => {
  it('grants at most `max` concurrent answers per person, and a released place can be taken again', async () => {
    const { limits: l } = limits();
    const first = await l.acquireTurn('a@x', 2);
    const second = await l.acquireTurn('a@x', 2);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await l.acquireTurn('a@x', 2)).toBeNull();
    expect(await l.acquireTurn('b@x', 2)).not.toBeNull();
    first!.release();
    first!.release(); // a second release gives nothing more back
    expect(await l.acquireTurn('a@x', 2)).not.toBeNull();
    expect(await l.acquireTurn('a@x', 2)).toBeNull();
  });

  it('counts connections per person and per peer, and forgets both at zero', () => {
    const { limits: l } = limits();
    const caps = { perUser: 2, perPeer: 3 };
    const a1 = l.acquireSocket('a@x', '10.0.0.1', caps);
    const a2 = l.acquireSocket('a@x', '10.0.0.1', caps);
    expect(l.acquireSocket('a@x', '10.0.0.2', caps)).toBeNull();
    const b1 = l.acquireSocket('b@x', '10.0.0.1', caps);
    expect(l.acquireSocket('c@x', '10.0.0.1', caps)).toBeNull();
    for (const lease of [a1, a2, b1]) lease!.release();
    expect(l.heldKeys).toBe(0);
  });
});
