import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../server/chat/serial-queue.js';

describe('SerialQueue', () => {
  it('runs tasks in the order queued even when an earlier one awaits', async () => {
    const order: string[] = [];
    const q = new SerialQueue(() => undefined);
    void q.push(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('slow');
    });
    void q.push(() => void order.push('fast'));
    await q.idle();
    expect(order).toEqual(['slow', 'fast']);
    expect(q.size).toBe(0);
  });

  it('reports a failing task and goes on with the next', async () => {
    const errors: unknown[] = [];
    const q = new SerialQueue((err) => errors.push(err));
    let ran = false;
    void q.push(() => {
      throw new Error('boom');
    });
    void q.push(() => {
      ran = true;
    });
    await q.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    expect(ran).toBe(true);
  });
});
