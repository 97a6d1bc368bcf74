import { formatBytes } from '../attachments/attachment-limits.js';
import type { ConversationRecord, SavedMessage } from './store.js';

/** The versioned JSON export (docs/api.md). Bump `version` on any incompatible change. */
export interface ConversationExport {
  format: 'galaxy-chat.conversation';
  version: 1;
  exportedAt: string;
  conversation: ConversationRecord;
  messages: SavedMessage[];
}

export function exportJson(conversation: ConversationRecord, messages: SavedMessage[], now: Date): ConversationExport {
  return { format: 'galaxy-chat.conversation', version: 1, exportedAt: now.toISOString(), conversation, messages };
}

const ROLE_LABEL: Record<SavedMessage['role'], string> = { user: 'You', assistant: 'Assistant', tool: 'Tool' };

function meta(m: SavedMessage): string {
  const parts: string[] = [];
  if (m.model) parts.push(m.model);
  if (m.usage) parts.push(`${m.usage.promptTokens} + ${m.usage.completionTokens} tokens${m.usage.estimated ? ' (estimated)' : ''}`);
  if (m.timings?.durationMs !== undefined) parts.push(`${m.timings.durationMs} ms`);
  if (m.incomplete) parts.push('incomplete');
  return parts.join(', ');
}

/** "Attached: notes.md (12 KB), chart.png (240 KB)": files by name, never their content. */
function attachedLine(m: SavedMessage): string | undefined {
  if (!m.attachments?.length) return undefined;
  return `Attached: ${m.attachments.map((a) => `${a.name} (${formatBytes(a.size)})`).join(', ')}`;
}

function toolLine(m: SavedMessage): string {
  return `${m.toolName ?? 'tool'}${m.toolError ? ` failed: ${m.toolError}` : ''}`;
}

/** The readable exports show the chat as it stands; earlier versions are in the JSON export (`superseded`). */
const currentOnly = (messages: SavedMessage[]) => messages.filter((m) => !m.superseded);

/** Plain text for reading or pasting: one block per message, tool calls named. */
export function exportText(c: ConversationRecord, all: SavedMessage[], appName: string): string {
  const messages = currentOnly(all);
  const lines = [`${c.title}`, `${appName} conversation ${c.id}, model ${c.model}, started ${c.createdAt}`, ''];
  for (const m of messages) {
    const info = meta(m);
    lines.push(`[${m.createdAt}] ${m.role === 'tool' ? `Tool ${toolLine(m)}` : ROLE_LABEL[m.role]}${info ? ` (${info})` : ''}:`);
    if (m.text) lines.push(m.text);
    const attached = attachedLine(m);
    if (attached) lines.push(attached);
    for (const call of m.toolCalls ?? []) lines.push(`→ calls ${call.name} ${call.arguments}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A longer fence than any inside the text, so tool output cannot break out of its code block. */
function fenced(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((x) => x[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Markdown: answers stay markdown; tool calls and results go in code blocks. */
export function exportMarkdown(c: ConversationRecord, all: SavedMessage[], appName: string): string {
  const messages = currentOnly(all);
  const out = [`# ${c.title.replace(/\n/g, ' ')}`, '', `*${appName} conversation \`${c.id}\` · model ${c.model} · started ${c.createdAt}*`, ''];
  for (const m of messages) {
    const info = meta(m);
    out.push(`## ${m.role === 'tool' ? `Tool: ${toolLine(m)}` : ROLE_LABEL[m.role]}`, '', `<sub>${m.createdAt}${info ? ` · ${info}` : ''}</sub>`, '');
    if (m.role === 'tool') out.push(fenced(m.text), '');
    else if (m.text) out.push(m.text, '');
    const attached = attachedLine(m);
    // A name is the person's text, not markdown: escaped so it cannot become a link or an image.
    if (attached) out.push(`*${attached.replace(/[\\`*_{}[\]()<>#+!|~-]/g, '\\$&')}*`, '');
    for (const call of m.toolCalls ?? []) out.push(`Calls \`${call.name}\`:`, '', fenced(call.arguments, 'json'), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
