import type { Logger } from 'pino';
import type { StoredMessage, Store } from '../store/store.js';
import { isIncomplete, type ChatRecord, type RecordSink } from './records.js';
import { toolErrorText } from './tool-calls.js';

export interface StoreSinkOptions {
  conversationId: string;
  owner: string;
  tenant: string;
  /** False with HISTORY_ENABLED=false: only the usage ledger is written, never the chat itself. */
  keepMessages: boolean;
  /** How often a streaming answer's partial text is saved (so a crash keeps it, marked incomplete). */
  partialSaveMs: number;
  log: Logger;
  /** Told once per failed write, so the person hears of it (an `error` event), never silently. */
  onWriteError: (err: unknown) => void;
  /** When usage happened (the budgets' clock, so reports and budgets agree); the real time by default. */
  now?: () => Date;
}

const PARTIAL = { partial: true } as const;

/** The answer being streamed, as it will be stored. */
interface OpenAnswer {
  row: StoredMessage;
  dirty: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Keeps a chat in the store: the conversation row, every message (user, assistant, tool calls and
 * results), feedback and the usage ledger. Facts become writes chained in order, one store call
 * per fact, never per token: streamed text is saved at most every `partialSaveMs`, and in full
 * when the answer ends. `flush()` resolves when everything recorded so far is durable.
 */
export class StoreSink implements RecordSink {
  private chain: Promise<void> = Promise.resolve();
  private readonly answers = new Map<string, OpenAnswer>();
  private readonly toolRows = new Map<string, StoredMessage>();
  private model = '';
  private tenant: string;

  constructor(
    private readonly store: Store,
    private readonly options: StoreSinkOptions,
  ) {
    this.tenant = options.tenant;
  }

  record(fact: ChatRecord): void {
    const { conversationId: id, owner } = this.options;
    if (!this.options.keepMessages && fact.kind !== 'model-call') {
      // Usage is still written, under the chat's current tenant.
      if (fact.kind === 'session-start' || fact.kind === 'tenant-selected') this.tenant = fact.tenant ?? this.tenant;
      return;
    }
    switch (fact.kind) {
      case 'session-start': {
        this.model = fact.model;
        const tenant = (this.tenant = fact.tenant ?? this.tenant);
        return this.write(() =>
          this.store.createConversation({
            id,
            owner,
            tenant,
            title: '',
            model: fact.model,
            tools: fact.tools,
            dataSources: fact.dataSources,
            locked: false,
            createdAt: new Date().toISOString(),
          }),
        );
      }
      case 'superseded':
        return this.write(() => this.store.supersedeFrom(id, owner, fact.fromId).then(() => undefined));
      case 'tenant-selected':
        this.tenant = fact.tenant;
        this.model = fact.model;
        return this.update({ tenant: fact.tenant, model: fact.model, tools: fact.tools, dataSources: fact.dataSources });
      case 'selection':
        return this.update({ tools: fact.tools, dataSources: fact.dataSources, locked: fact.locked });
      case 'model-selected':
        this.model = fact.model;
        return this.update({ model: fact.model });
      case 'title':
        return this.update({ title: fact.title });
      case 'user-message':
        return this.write(() =>
          this.store.appendMessages(id, [{ id: fact.id, conversationId: id, role: 'user', text: fact.text, createdAt: fact.at, ...(fact.attachments ? { attachments: fact.attachments } : {}) }]),
        );
      case 'assistant-start': {
        const row: StoredMessage = { id: fact.id, conversationId: id, role: 'assistant', text: '', createdAt: fact.at, model: fact.model, incomplete: true };
        this.answers.set(fact.id, { row, dirty: false });
        // Stored at once, so its place comes before the tool rows that follow it; partial: its text grows.
        return this.write(() => this.store.upsertMessage({ ...row }, PARTIAL));
      }
      case 'assistant-text': {
        const open = this.answers.get(fact.id);
        if (!open) return;
        open.row.text += fact.text;
        open.dirty = true;
        open.timer ??= setTimeout(() => this.savePartial(fact.id), this.options.partialSaveMs);
        return;
      }
      case 'model-call':
        return this.modelCall(fact);
      case 'tool-call': {
        const row: StoredMessage = {
          id: toolRowId(fact.messageId, fact.callId),
          conversationId: id,
          role: 'tool',
          text: '',
          createdAt: new Date().toISOString(),
          toolCallId: fact.callId,
          toolName: fact.name,
          toolArgs: fact.args,
        };
        this.toolRows.set(row.id, row);
        return this.write(() => this.store.upsertMessage({ ...row }));
      }
      case 'tool-result':
      case 'tool-error': {
        const key = toolRowId(fact.messageId, fact.callId);
        const row = this.toolRows.get(key);
        if (!row) return;
        this.toolRows.delete(key);
        if (fact.kind === 'tool-result') {
          row.text = fact.content;
          if (fact.ui) row.toolUi = fact.ui;
        } else {
          row.text = toolErrorText(fact.code, fact.message);
          row.toolError = `${fact.code}: ${fact.message}`;
        }
        row.timings = { durationMs: fact.durationMs };
        return this.write(() => this.store.upsertMessage({ ...row }));
      }
      case 'assistant-end': {
        const open = this.answers.get(fact.id);
        if (!open) return;
        clearTimeout(open.timer);
        this.answers.delete(fact.id);
        const row: StoredMessage = { ...open.row, text: fact.text, incomplete: isIncomplete(fact.reason), finishReason: fact.reason === 'done' ? fact.finishReason : fact.reason };
        if (fact.usage) row.usage = { ...row.usage, ...fact.usage };
        return this.write(() => this.store.upsertMessage(row));
      }
      case 'feedback':
        return this.write(() =>
          this.store.saveFeedback({
            conversationId: id,
            user: owner,
            at: new Date().toISOString(),
            ...(fact.messageId !== undefined ? { messageId: fact.messageId } : {}),
            ...(fact.rating !== undefined ? { rating: fact.rating } : {}),
            ...(fact.comment !== undefined ? { comment: fact.comment } : {}),
          }),
        );
      default:
        return;
    }
  }

  flush(): Promise<void> {
    return this.chain;
  }

  /**
   * Saves what is still open (an answer cut by shutdown keeps its text, searchable: no more of it
   * comes from this process), then waits for every write.
   */
  async close(): Promise<void> {
    for (const [messageId] of this.answers) this.savePartial(messageId, false);
    await this.chain;
  }

  private modelCall(fact: Extract<ChatRecord, { kind: 'model-call' }>): void {
    const open = this.answers.get(fact.messageId);
    if (open) {
      const calls = fact.toolCalls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      if (calls.length > 0) open.row.toolCalls = [...(open.row.toolCalls ?? []), ...calls];
      const timings = open.row.timings ?? {};
      if (timings.firstTokenMs === undefined && fact.firstTokenMs !== undefined) timings.firstTokenMs = fact.firstTokenMs;
      timings.durationMs = (timings.durationMs ?? 0) + fact.durationMs;
      open.row.timings = timings;
      if (fact.usage.estimated) open.row.usage = { ...(open.row.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 }), estimated: true };
      open.dirty = true;
    }
    const { usage } = fact;
    this.write(() =>
      this.store.recordUsage({
        user: this.options.owner,
        tenant: this.tenant,
        model: fact.model || this.model,
        at: this.options.now?.() ?? new Date(),
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        estimated: !!usage.estimated,
        conversationId: this.options.conversationId,
      }),
    );
  }

  /**
   * The interval save of a streaming answer. Partial: the store does not re-index text that is still
   * growing (it did, three or four times per answer, for nothing); the final save indexes it.
   */
  private savePartial(messageId: string, partial = true): void {
    const open = this.answers.get(messageId);
    if (!open) return;
    clearTimeout(open.timer);
    open.timer = undefined;
    if (!open.dirty && partial) return;
    open.dirty = false;
    const row = { ...open.row };
    this.write(() => this.store.upsertMessage(row, partial ? PARTIAL : undefined));
  }

  private update(patch: Parameters<Store['updateConversation']>[2]): void {
    this.write(() => this.store.updateConversation(this.options.conversationId, this.options.owner, patch).then(() => undefined));
  }

  /** Chains a write after the previous ones, so the store sees facts in the order they happened. */
  private write(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.options.log.error({ err, conversationId: this.options.conversationId }, 'store write failed');
      this.options.onWriteError(err);
    });
  }
}

/** Tool rows are keyed by answer and call: providers reuse call ids such as `call_1` across answers. */
export function toolRowId(messageId: string, callId: string): string {
  return `${messageId}.${callId}`;
}
