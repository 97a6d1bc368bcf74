import type { ErrorCode, ErrorDetails } from '../errors.js';
import type { ToolCallRequest } from '../llm/types.js';
import type { BudgetDimensionName, Usage } from '../protocol/server-events.js';
import type { AttachmentRef } from '../store/store.js';
import type { ToolUi } from '../tools/ui.js';

/** Why a turn ended. Only `done` is a complete answer; every other reason leaves it incomplete. */
export type TurnEndReason = 'done' | 'stopped' | 'abandoned' | 'session-ended' | 'timeout' | 'error' | 'shutdown';

/** Token counts of one model call; `estimated` when the provider reported none and we counted. */
export type CallUsage = Usage & { estimated?: boolean };

/**
 * Every fact of a chat, recorded once. The session's `record()` hands each one to every sink: the
 * numbered event log the client reads, the JSONL transcript, and the store. A caller never writes
 * the same fact to two places by hand.
 */
export type ChatRecord =
  /** A new chat, with its initial (unlocked) selection: `ready` tells the client, so no event. */
  | { kind: 'session-start'; sessionId: string; user: string; model: string; tools: string[]; dataSources: string[]; tenant?: string }
  | { kind: 'selection'; tools: string[]; dataSources: string[]; locked: boolean }
  | { kind: 'model-selected'; model: string }
  /** The chat now works for another of the person's tenants (before its first message); `scope` tells the client. */
  | { kind: 'tenant-selected'; tenant: string; model: string; tools: string[]; dataSources: string[] }
  | { kind: 'budget-warning'; tenant: string; dimension: BudgetDimensionName; used: number; limit: number; resetsAt: string; message: string }
  /** One line of the audit trail (tenant choices, tool calls, budget refusals); the operator log has it too. */
  | { kind: 'audit'; action: AuditAction; tenant: string; [detail: string]: unknown }
  | { kind: 'title'; title: string }
  | { kind: 'user-message'; id: string; text: string; at: string; clientId?: string; attachments?: AttachmentRef[] }
  | { kind: 'assistant-start'; id: string; model: string; at: string }
  /** Streamed text, per coalesced delta: the event log shows it, the store saves it at an interval. */
  | { kind: 'assistant-text'; id: string; text: string }
  | {
      kind: 'model-call';
      messageId: string;
      model: string;
      round: number;
      /** What this call streamed (the answer is the rounds' text joined). */
      text: string;
      firstTokenMs?: number;
      durationMs: number;
      finishReason: string;
      usage: CallUsage;
      toolCalls: ToolCallRequest[];
    }
  | { kind: 'tool-call'; messageId: string; callId: string; name: string; args: unknown }
  | { kind: 'tool-result'; messageId: string; callId: string; name: string; content: string; ui?: ToolUi; durationMs: number }
  | { kind: 'tool-error'; messageId: string; callId: string; name: string; code: ErrorCode; message: string; durationMs: number }
  | {
      kind: 'assistant-end';
      id: string;
      model: string;
      text: string;
      reason: TurnEndReason;
      finishReason: string;
      usage?: Usage;
      error?: { code: ErrorCode; message: string; stack?: string; details?: ErrorDetails };
    }
  | { kind: 'status'; text: string; elapsedMs: number; tool?: string }
  | { kind: 'feedback'; messageId?: string; rating?: 'good' | 'bad'; comment?: string }
  | { kind: 'stop'; messageId: string }
  /** `fromId` and every later message become the earlier branch (kept, out of the model's view). */
  | { kind: 'superseded'; fromId: string; reason: 'regenerate' | 'edit' }
  | { kind: 'notice'; text: string; key: string }
  | { kind: 'session-end'; reason: string };

export type RecordKind = ChatRecord['kind'];

export type AuditAction = 'tenant-selected' | 'tool-call' | 'budget-refused' | 'admin-usage-read';

/** Something that keeps chat facts: the event log, the transcript, the store. */
export interface RecordSink {
  record(fact: ChatRecord): void;
  /** Resolves when everything recorded so far is durable. */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** Fans one fact out to every sink. A failing sink is logged by the caller's sink, never rethrown here. */
export class Recorder implements RecordSink {
  constructor(private readonly sinks: RecordSink[]) {}

  /** More sinks from now on (a chat followed from another instance starts keeping its own records). */
  add(sinks: readonly RecordSink[]): void {
    this.sinks.push(...sinks);
  }

  record(fact: ChatRecord): void {
    for (const sink of this.sinks) sink.record(fact);
  }

  async flush(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush?.()));
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close?.()));
  }
}

/** Whether an ended turn's answer is complete. */
export function isIncomplete(reason: TurnEndReason): boolean {
  return reason !== 'done';
}

/** The tenant of every chat when no tenants are configured: one implicit organisation. */
export const DEFAULT_TENANT = 'default';
