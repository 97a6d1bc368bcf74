import { describe, expect, it } from 'vitest';
import { resumePoint, seqOf, sseMessage, sseNamedEvent, SSE_HEARTBEAT } from '../../server/transport/sse-framing.js';
import { SseParser } from '../../static/js/net/sse-parser.js';

function parseAll(text: string, chunkSize = text.length): Array<{ event: string; data: string; id: string }> {
  const out: Array<{ event: string; data: string; id: string }> = [];
  const parser = new SseParser((m) => out.push(m));
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
  return out;
}

describe('SSE framing', () => {
  it('gives a chat event its seq as the message id', () => {
    expect(sseMessage('{"type":"delta","id":"m_1","text":"Hi","seq":42}')).toBe('id: 42\ndata: {"type":"delta","id":"m_1","text":"Hi","seq":42}\n\n');
  });

  it('gives a connection event (seq 0) no id, so the reader keeps its last one', () => {
    expect(sseMessage('{"type":"ready","seq":0}')).toBe('data: {"type":"ready","seq":0}\n\n');
    const messages = parseAll(sseMessage('{"type":"delta","seq":7}') + sseMessage('{"type":"error","seq":0}'));
    expect(messages.map((m) => m.id)).toEqual(['7', '7']);
  });

  it('reads the seq only from the end of the serialized event', () => {
    expect(seqOf('{"type":"delta","text":"\\"seq\\":99}","seq":3}')).toBe(3);
    expect(seqOf('{"type":"delta","text":"x"}')).toBe(0);
  });

  it('splits a payload with line breaks over several data lines that read back whole', () => {
    const framed = sseNamedEvent('close', { reason: 'a' });
    expect(framed).toBe('event: close\ndata: {"reason":"a"}\n\n');
    const multi = sseMessage('line one\nline two\r\nline three');
    expect(multi).toBe('data: line one\ndata: line two\ndata: line three\n\n');
    expect(parseAll(multi)[0]!.data).toBe('line one\nline two\nline three');
  });

  it('takes the resume point from Last-Event-ID first, then lastSeq, and ignores anything not a plain number', () => {
    expect(resumePoint('12', '5')).toBe(12);
    expect(resumePoint(undefined, '5')).toBe(5);
    expect(resumePoint('', '5')).toBe(5);
    expect(resumePoint('-1', null)).toBeUndefined();
    expect(resumePoint('1e3', '0x10')).toBeUndefined();
    expect(resumePoint('99999999999999999', null)).toBeUndefined();
  });
});

describe('SSE parser', () => {
  const stream =
    sseNamedEvent('connection', { id: 'c_1', frames: '/sse/c_1' }) +
    SSE_HEARTBEAT +
    sseMessage('{"type":"ready","seq":0}') +
    sseMessage('{"type":"delta","text":"é ✓","seq":1}') +
    sseNamedEvent('close', { code: 4001, reason: 'opened elsewhere' });

  it('reads the same messages however the stream is cut into chunks', () => {
    const whole = parseAll(stream);
    expect(whole.map((m) => m.event)).toEqual(['connection', 'message', 'message', 'close']);
    expect(JSON.parse(whole[2]!.data)).toEqual({ type: 'delta', text: 'é ✓', seq: 1 });
    for (const size of [1, 2, 3, 7, 64]) expect(parseAll(stream, size)).toEqual(whole);
  });

  it('accepts CR and CRLF line ends, even with a CRLF cut between chunks', () => {
    const crlf = 'id: 3\r\ndata: a\r\n\r\n';
    expect(parseAll(crlf, 1)).toEqual([{ event: 'message', data: 'a', id: '3' }]);
    expect(parseAll('data: b\r\rdata: c\n\n')).toEqual([
      { event: 'message', data: 'b', id: '' },
      { event: 'message', data: 'c', id: '' },
    ]);
  });

  it('dispatches nothing for a message without data, and ignores unknown fields', () => {
    expect(parseAll('event: x\n\nretry: 10\nfoo: bar\n\n')).toEqual([]);
  });
});
