import type { Who } from '../access/policy.js';
import { EventSink } from '../chat/record-sinks.js';
import { Recorder, type ChatRecord, type RecordSink } from '../chat/records.js';
import type { ChatMessage } from '../llm/types.js';
import { CLOSE_CODES, type HistoryEntry, type ServerEventBody, type SessionInfo } from '../protocol/server-events.js';
import type { Connection } from './connection.js';
import { ConversationView } from './conversation-view.js';
import { EventLog } from './event-log.js';

export interface RunningTurn {
  readonly messageId: string;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

interface Attachment {
  conn: Connection;
  /** The last seq handed to this connection. */
  cursor: number;
}

export interface SessionOptions {
  id: string;
  owner: string;
  model: string;
  tenant: string;
  /** A replica of a chat run elsewhere (see `replica`). */
  replica?: boolean;
  /** Where facts go besides the event log: the transcript, the store. */
  sinks: RecordSink[];
  eventBufferBytes: number;
  /** Above this many buffered bytes a socket is congested and the session stops feeding it. */
  highWaterMark: number;
  /** For a chat reopened from the store: when it began and what the reader has seen so far. */
  startedAt?: Date;
  entries?: HistoryEntry[];
  /** The seq before this incarnation's first event (see SessionExchange.claim). */
  seqBase?: number;
  /** Also hands every numbered event elsewhere (the shared log other instances relay from). */
  mirror?: (seq: number, json: string) => void;
}

/**
 * One chat: owner, model, tool selection, the model-facing history, the numbered event stream and
 * the transcript. At most one connection is attached; events are fed to it from the log as its
 * socket drains, which gives resume and backpressure from the same mechanism.
 */
export class Session {
  readonly id: string;
  readonly owner: string;
  readonly startedAt: Date;
  model: string;
  /** The organisation this chat works for: chosen before, and locked with, the first message. */
  tenant: string;
  title = '';
  tools: string[] = [];
  dataSources: string[] = [];
  /** Selection locks with the first message. */
  locked = false;
  /** The model-facing history, provider-neutral (mapped to a wire format only in llm/). */
  readonly history: ChatMessage[] = [];
  /** Where each user message (by id) starts in `history`: regenerate and edit cut the history there. */
  readonly historyAt = new Map<string, number>();
  readonly view: ConversationView;
  /** True for a stored chat made live again: its earlier messages are in `view`, not in the event log. */
  readonly reopened: boolean;
  /** Notices already given in this chat (each is said once). */
  readonly noticesGiven = new Set<string>();
  turn: RunningTurn | null = null;
  ended = false;
  /** A reader on another instance follows this chat's running answer: it is not abandoned. */
  followedElsewhere = false;
  /**
   * True while this is a replica of a chat another instance runs: its events arrive numbered from
   * there (`replicate`) and it records nothing of its own until it `adopt`s the chat.
   */
  replica: boolean;
  /**
   * Set while a followed answer has ended and this instance is taking the chat over: frames wait
   * for it (a message sent right after the answer must not be refused as "answer in progress").
   */
  handingOver: Promise<void> | undefined;
  /** Timers owned by the session manager (resume grace, idle expiry). */
  graceTimer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;

  private readonly log: EventLog;
  private mirror: ((seq: number, json: string) => void) | undefined;
  private readonly recorder: Recorder;
  private attachment: Attachment | null = null;
  private readonly highWaterMark: number;
  private readerWaiters: Array<() => void> = [];

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.owner = options.owner;
    this.model = options.model;
    this.tenant = options.tenant;
    this.startedAt = options.startedAt ?? new Date();
    this.view = new ConversationView(options.entries);
    this.reopened = options.entries !== undefined;
    this.log = new EventLog(options.eventBufferBytes, options.seqBase ?? 0);
    this.mirror = options.mirror;
    this.recorder = new Recorder([new EventSink((body) => this.emit(body)), ...options.sinks]);
    this.highWaterMark = options.highWaterMark;
    this.replica = options.replica ?? false;
  }

  get connection(): Connection | null {
    return this.attachment?.conn ?? null;
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  /** The (person, tenant) pair every access decision of this chat is made for. */
  get who(): Who {
    return { user: this.owner, tenant: this.tenant };
  }

  info(): SessionInfo {
    return {
      id: this.id,
      tenant: this.tenant,
      model: this.model,
      tools: [...this.tools],
      dataSources: [...this.dataSources],
      locked: this.locked,
      startedAt: this.startedAt.toISOString(),
      title: this.title,
      ...(this.turn ? { runningMessageId: this.turn.messageId } : {}),
    };
  }

  /** Records one fact of the chat in every sink: event log, transcript, store. */
  record(fact: ChatRecord): void {
    this.recorder.record(fact);
  }

  /** Waits until every sink has made what was recorded durable. */
  flushRecords(): Promise<void> {
    return this.recorder.flush();
  }

  closeRecords(): Promise<void> {
    return this.recorder.close();
  }

  /** Appends an event to the numbered stream and feeds the attached client (the event sink's path). */
  emit(body: ServerEventBody): void {
    // A replica's seqs belong to the instance running the chat: a local event would collide with them.
    if (this.replica) return;
    this.view.apply(body);
    const json = this.log.append(body);
    this.mirror?.(this.log.lastSeq, json);
    this.pump();
  }

  /**
   * One event of the chat as the instance running it numbered it. `seen`: already part of the view
   * this replica was built from, only kept for readers that resume from before it.
   */
  replicate(seq: number, json: string, seen = false): ServerEventBody {
    const body = JSON.parse(json) as ServerEventBody;
    if (!seen) this.view.apply(body);
    this.log.appendSerialized(seq, json);
    this.pump();
    return body;
  }

  /** This instance runs the chat from now on: its facts go to these sinks, its events to `mirror`. */
  adopt(sinks: readonly RecordSink[], mirror: ((seq: number, json: string) => void) | undefined): void {
    this.replica = false;
    this.recorder.add(sinks);
    this.mirror = mirror;
  }

  /**
   * Attaches a connection that has seen everything up to `afterSeq`. Returns false when events it
   * needs are no longer buffered; the caller then sends a snapshot and attaches at `lastSeq`.
   */
  attach(conn: Connection, afterSeq: number): boolean {
    const from = Math.min(afterSeq, this.log.lastSeq);
    if (!this.log.covers(from)) return false;
    this.attachment = { conn, cursor: from };
    this.pump();
    return true;
  }

  detach(conn: Connection): boolean {
    if (this.attachment?.conn !== conn) return false;
    this.attachment = null;
    this.releaseReaders();
    return true;
  }

  /** Feeds the attached connection until it is congested. Called on emit and on socket drain. */
  pump(): void {
    const a = this.attachment;
    if (!a) return;
    while (a.cursor < this.log.lastSeq && !a.conn.closed) {
      if (a.conn.bufferedAmount() > this.highWaterMark) return;
      const json = this.log.get(a.cursor + 1);
      if (json === undefined) {
        // The reader fell behind the buffer; it gets a snapshot via a resume.
        a.conn.close(CLOSE_CODES.FELL_BEHIND, 'fell behind');
        return;
      }
      a.cursor += 1;
      if (a.conn.send(json) === 'dropped') return;
    }
    if (a.cursor >= this.log.lastSeq) this.releaseReaders();
  }

  /** True while an attached client has unsent events and a full socket buffer. */
  get readerCongested(): boolean {
    const a = this.attachment;
    return !!a && a.cursor < this.log.lastSeq && a.conn.bufferedAmount() > this.highWaterMark;
  }

  /**
   * Resolves when the attached reader has caught up or left. The turn awaits this before pulling
   * more from the model, so a slow reader pauses the upstream instead of growing our buffers.
   */
  waitForReader(signal: AbortSignal): Promise<void> {
    if (!this.readerCongested || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      // MUST also wake on abort: a Stop (or shutdown) while the reader is stuck must end the turn.
      const onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      this.readerWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private releaseReaders(): void {
    const waiters = this.readerWaiters;
    this.readerWaiters = [];
    for (const w of waiters) w();
  }
}
