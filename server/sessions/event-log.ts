import type { ServerEventBody } from '../protocol/server-events.js';

interface LoggedEvent {
  seq: number;
  json: string;
}

/**
 * The session's outgoing events, numbered. It is both the resume buffer (a client reconnecting
 * with its last seq gets every later event exactly once) and the per-socket send queue (a slow
 * reader is fed from here as it drains, so the socket buffer never grows without bound).
 * Bounded by bytes: the oldest events are dropped, and a client that needs them gets a snapshot.
 */
export class EventLog {
  private readonly events: LoggedEvent[] = [];
  private head = 0; // index of the oldest kept event in `events` (avoids O(n) shifts)
  private bytes = 0;
  private seq: number;

  /** `startSeq`: the seq before the first event (a chat moved between instances continues above its earlier seqs). */
  constructor(
    private readonly maxBytes: number,
    startSeq = 0,
  ) {
    this.seq = startSeq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The oldest seq still buffered (lastSeq + 1 when empty). */
  get firstSeq(): number {
    const first = this.events[this.head];
    return first ? first.seq : this.seq + 1;
  }

  append(body: ServerEventBody): string {
    const json = JSON.stringify({ ...body, seq: this.seq + 1 });
    this.appendSerialized(this.seq + 1, json);
    return json;
  }

  /** An event numbered elsewhere (by the instance running the chat); seqs must follow on. */
  appendSerialized(seq: number, json: string): void {
    if (seq !== this.seq + 1) throw new Error(`event ${seq} does not follow ${this.seq}`);
    this.seq = seq;
    this.events.push({ seq, json });
    this.bytes += json.length;
    while (this.bytes > this.maxBytes && this.events.length - this.head > 1) {
      this.bytes -= this.events[this.head]!.json.length;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
  }

  /** True when every event after `seq` is still buffered. */
  covers(seq: number): boolean {
    return seq + 1 >= this.firstSeq;
  }

  /** The serialized event with this seq, if buffered. */
  get(seq: number): string | undefined {
    const first = this.firstSeq;
    if (seq < first || seq > this.seq) return undefined;
    return this.events[this.head + (seq - first)]?.json;
  }
}
