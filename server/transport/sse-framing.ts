/**
 * Server-Sent Events framing for the chat's HTTP-streaming transport (docs/protocol.md, "HTTP
 * streaming"). Each protocol event is one SSE message whose `data` is the same JSON a WebSocket
 * frame carries; events of the chat (seq > 0) also get `id: <seq>`, so a reconnecting EventSource's
 * Last-Event-ID is exactly the `lastSeq` a WebSocket hello would send. Connection-only events
 * (seq 0) get no `id`, which leaves the reader's last event id as it was, as the spec says.
 */

/** Every serialized event ends with its seq (EventLog and sendDirect put it last), so no re-parse per token. */
const TRAILING_SEQ = /"seq":(\d+)}$/;

/** The `seq` a serialized event carries, or 0 when it has none. */
export function seqOf(json: string): number {
  const match = TRAILING_SEQ.exec(json);
  return match ? Number(match[1]) : 0;
}

/** `data:` lines for a payload; a line break inside would end the field, so each line gets its own. */
function dataLines(payload: string): string {
  // Serialized JSON never has a raw line break: the per-token path is one concatenation.
  if (!/[\r\n]/.test(payload)) return `data: ${payload}\n`;
  return payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}

/** One protocol event as an SSE message. */
export function sseMessage(json: string): string {
  const seq = seqOf(json);
  return `${seq > 0 ? `id: ${seq}\n` : ''}${dataLines(json)}\n`;
}

/** A named SSE event (`connection`, `close`): transport bookkeeping, never a protocol event. */
export function sseNamedEvent(name: string, body: unknown): string {
  return `event: ${name}\n${dataLines(JSON.stringify(body))}\n`;
}

/** A comment line: ignored by readers, it keeps proxies and uWS's HTTP idle timer from cutting a quiet stream. */
export const SSE_HEARTBEAT = ':\n';

const DECIMAL = /^\d{1,16}$/;

/**
 * Where a stream resumes from: the Last-Event-ID header (a browser's EventSource sends it on its
 * own reconnects) or the `lastSeq` query parameter; the header wins. Anything but a plain safe
 * integer is ignored rather than guessed at.
 */
export function resumePoint(lastEventId: string | undefined, lastSeqParam: string | null): number | undefined {
  for (const candidate of [lastEventId?.trim(), lastSeqParam ?? undefined]) {
    if (candidate !== undefined && DECIMAL.test(candidate)) {
      const n = Number(candidate);
      if (Number.isSafeInteger(n)) return n;
    }
  }
  return undefined;
}
