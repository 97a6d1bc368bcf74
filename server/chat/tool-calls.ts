import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Redactor } from '../logger.js';
import type { AccessPolicy } from '../access/policy.js';
import type { ToolCallRequest } from '../llm/types.js';
import type { Session } from '../sessions/session.js';
import type { ToolRegistry } from '../tools/registry.js';
import { audit } from './audit.js';
import { permittedDataSources } from './chat-scope.js';
import type { StatusTicker } from './status-ticker.js';

const MAX_ARGS_IN_EVENT = 10_000;

function argsForDisplay(raw: string): unknown {
  if (raw.length > MAX_ARGS_IN_EVENT) return `${raw.slice(0, MAX_ARGS_IN_EVENT)}… [truncated]`;
  try {
    return raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** How a failed call reads to the model (also when a stored chat is reopened). */
export function toolErrorText(code: string, message: string): string {
  return `Error (${code}): ${message}`;
}

export interface ToolCallDeps {
  tools: ToolRegistry;
  policy: AccessPolicy;
  log: Logger;
  /** Outgoing events never carry a configured secret (checklist 45): arguments and results pass it. */
  redactor: Redactor;
  /** The chat's tenant's credentials, handed to its tool calls and to no one else's. */
  credentials: Readonly<Record<string, string>>;
}

/**
 * Runs one round of tool calls: all of them at once, results reported (to the page, the transcript
 * and the model) in the order the model asked. Failures are data: every call gets a tool message.
 */
export async function runToolCalls(
  session: Session,
  messageId: string,
  calls: ToolCallRequest[],
  signal: AbortSignal,
  status: StatusTicker,
  deps: ToolCallDeps,
): Promise<void> {
  for (const call of calls) {
    if (!call.id) call.id = `call_${randomBytes(8).toString('hex')}`;
    const args = argsForDisplay(deps.redactor.redact(call.function.arguments));
    session.record({ kind: 'tool-call', messageId, callId: call.id, name: call.function.name, args });
  }
  const names = [...new Set(calls.map((c) => c.function.name))].join(', ');
  status.start(`Running ${names}…`, names);
  // Access is decided now, per call, from the current policy, not from what was allowed at selection.
  const dataSources = permittedDataSources(deps, session.who, session.dataSources);
  const ctx = {
    user: session.owner,
    tenant: session.tenant,
    credentials: deps.credentials,
    sessionId: session.id,
    dataSources,
    signal,
    log: deps.log.child({ sessionId: session.id }),
    progress: (text: string) => status.progress(text),
  };
  const outcomes = await Promise.all(
    calls.map((call) => deps.tools.execute(call.function.name, call.function.arguments, session.tools, { ...ctx, log: ctx.log.child({ tool: call.function.name }) })),
  );
  status.stop();
  calls.forEach((call, i) => {
    const outcome = outcomes[i]!;
    const name = call.function.name;
    if (outcome.ok) {
      // What leaves (frames, transcript, store) is redacted; the model keeps the tool's own answer.
      const content = deps.redactor.redact(outcome.content);
      // The ui is validated plain data; redacting its JSON keeps a secret out of table cells too.
      const ui = outcome.ui ? (JSON.parse(deps.redactor.redact(JSON.stringify(outcome.ui))) as typeof outcome.ui) : undefined;
      session.record({ kind: 'tool-result', messageId, callId: call.id, name, content, durationMs: outcome.durationMs, ...(ui ? { ui } : {}) });
      session.history.push({ role: 'tool', toolCallId: call.id, text: outcome.content });
    } else {
      session.record({ kind: 'tool-error', messageId, callId: call.id, name, code: outcome.code, message: deps.redactor.redact(outcome.message), durationMs: outcome.durationMs });
      if (outcome.code === 'TOOL_FORBIDDEN') deps.log.warn({ tool: name, user: session.owner }, 'tool call denied');
      session.history.push({ role: 'tool', toolCallId: call.id, text: toolErrorText(outcome.code, outcome.message) });
    }
    audit(session, deps.log, 'tool-call', { tool: name, callId: call.id, outcome: outcome.ok ? 'ok' : outcome.code, durationMs: outcome.durationMs });
  });
}
