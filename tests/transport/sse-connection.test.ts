import pino from 'pino';
import type { HttpResponse } from 'uWebSockets.js';
import { describe, expect, it, vi } from 'vitest';
import { Reply } from '../../server/http/reply.js';
import { SseConnection } from '../../server/transport/sse-connection.js';

/** A uWS response stand-in: writes are accepted or held as the test says, like a socket's buffer. */
class FakeResponse {
  readonly written: string[] = [];
  status = '';
  headers: Array<[string, string]> = [];
  accept = true;
  ended = false;
  forceClosed = false;
  private aborted: (() => void) | undefined;
  writable: ((offset: number) => boolean) | undefined;

  onAborted(handler: () => void) {
    this.aborted = handler;
    return this;
  }
  onWritable(handler: (offset: number) => boolean) {
    this.writable = handler;
    return this;
  }
  cork(fn: () => void) {
    fn();
    return this;
  }
  writeStatus(status: string) {
    this.status = status;
    return this;
  }
  writeHeader(key: string, value: string) {
    this.headers.push([key, value]);
    return this;
  }
  write(chunk: string) {
    this.written.push(chunk);
    return this.accept;
  }
  end() {
    this.ended = true;
    return this;
  }
  close() {
    this.forceClosed = true;
    this.aborted?.();
    return this;
  }
  clientAborts() {
    this.aborted?.();
  }
}

function open(maxBackpressureBytes = 1000, maxLifetimeMs = 0) {
  const res = new FakeResponse();
  const calls = { drains: 0, gone: 0 };
  const conn = new SseConnection(new Reply(res as unknown as HttpResponse), 'c_test', 'ann@example.com', pino({ level: 'silent' }), {
    maxBackpressureBytes,
    heartbeatMs: 60_000,
    maxLifetimeMs,
    onDrain: () => (calls.drains += 1),
    onGone: () => (calls.gone += 1),
  });
  conn.start('/sse/c_test');
  return { res, conn, calls };
}

describe('SseConnection', () => {
  it('starts an event stream that names where frames are posted', () => {
    const { res, conn } = open();
    expect(res.status).toBe('200 OK');
    expect(res.headers).toContainEqual(['Content-Type', 'text/event-stream; charset=utf-8']);
    expect(res.headers).toContainEqual(['X-Accel-Buffering', 'no']);
    expect(res.written[0]).toBe('event: connection\ndata: {"id":"c_test","frames":"/sse/c_test"}\n\n');
    conn.close(1000, 'done');
  });

  it('reports held bytes as buffered until uWS says the socket is writable, then asks for more', () => {
    const { res, conn, calls } = open();
    expect(conn.send('{"type":"delta","seq":1}')).toBe('sent');
    expect(conn.bufferedAmount()).toBe(0);
    res.accept = false;
    expect(conn.send('{"type":"delta","seq":2}')).toBe('buffered');
    const held = conn.bufferedAmount();
    expect(held).toBe(Buffer.byteLength('id: 2\ndata: {"type":"delta","seq":2}\n\n'));
    res.accept = true;
    // The writable callback writes (a heartbeat), which is what makes uWS flush what it held.
    expect(res.writable!(0)).toBe(true);
    expect(res.written.at(-1)).toBe(':\n');
    expect(conn.bufferedAmount()).toBe(0);
    expect(calls.drains).toBe(1);
    conn.close(1000, 'done');
  });

  it('stays congested when the socket is writable but still will not take the flush', () => {
    const { res, conn, calls } = open();
    res.accept = false;
    conn.send('{"type":"delta","seq":1}');
    res.writable!(0);
    expect(conn.bufferedAmount()).toBeGreaterThan(0);
    expect(calls.drains).toBe(0);
    conn.close(1000, 'done');
  });

  it('cuts a reader that falls past the backpressure limit, once', () => {
    const { res, conn, calls } = open(150);
    res.accept = false;
    expect(conn.send(`{"type":"delta","text":"${'x'.repeat(40)}","seq":1}`)).toBe('buffered');
    expect(conn.send(`{"type":"delta","text":"${'x'.repeat(40)}","seq":2}`)).toBe('dropped');
    expect(res.forceClosed).toBe(true);
    expect(conn.closed).toBe(true);
    expect(calls.gone).toBe(1);
    expect(conn.send('{"type":"delta","seq":3}')).toBe('dropped');
  });

  it('ends with a close event carrying the WebSocket close code, then ignores sends', () => {
    const { res, conn, calls } = open();
    conn.close(4001, 'opened elsewhere');
    expect(res.written.at(-1)).toBe('event: close\ndata: {"code":4001,"reason":"opened elsewhere"}\n\n');
    expect(res.ended).toBe(true);
    expect(calls.gone).toBe(1);
    conn.close(4001, 'again');
    expect(conn.send('{"seq":1}')).toBe('dropped');
    expect(calls.gone).toBe(1);
  });

  it('notices a client that went away', () => {
    const { res, conn, calls } = open();
    res.clientAborts();
    expect(conn.closed).toBe(true);
    expect(calls.gone).toBe(1);
    expect(conn.send('{"seq":1}')).toBe('dropped');
    expect(res.ended).toBe(false);
  });

  it('closes a stream that reached its maximum lifetime, so the client reconnects and resumes', () => {
    vi.useFakeTimers();
    try {
      const { res, conn } = open(1000, 60_000);
      vi.advanceTimersByTime(59_999);
      expect(conn.closed).toBe(false);
      vi.advanceTimersByTime(1);
      expect(res.written.at(-1)).toBe('event: close\ndata: {"code":1000,"reason":"maximum lifetime reached"}\n\n');
      expect(res.ended).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
