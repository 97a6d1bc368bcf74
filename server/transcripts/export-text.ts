import { readFile } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { transcriptPath, SESSION_ID_PATTERN } from './transcript-writer.js';
import { formatBytes } from '../attachments/attachment-limits.js';

interface Record_ {
  at: string;
  kind: string;
  [key: string]: unknown;
}

/**
 * Renders a session's transcript as readable text. Only its owner may have it: anyone else gets
 * NOT_FOUND, exactly as for a session that never existed, so ids cannot be probed.
 */
export async function exportTranscriptText(logsDir: string, sessionId: string, user: string, appName: string): Promise<string> {
  if (!SESSION_ID_PATTERN.test(sessionId)) throw new AppError('NOT_FOUND');
  let raw: string;
  try {
    raw = await readFile(transcriptPath(logsDir, sessionId), 'utf8');
  } catch {
    throw new AppError('NOT_FOUND');
  }
  const records: Record_[] = [];
  for (const line of raw.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as Record_);
    } catch {
      // A torn final line after a crash is skipped, not fatal.
    }
  }
  const start = records.find((r) => r.kind === 'session-start');
  if (!start || start.user !== user) throw new AppError('NOT_FOUND');
  return renderText(records, start, appName);
}

function renderText(records: Record_[], start: Record_, appName: string): string {
  const models = [...new Set(records.filter((r) => r.kind === 'model-call').map((r) => String(r.model)))];
  if (models.length === 0 && typeof start.model === 'string') models.push(start.model);
  const lines = [
    `${appName} — chat transcript`,
    `Session: ${String(start.sessionId)}`,
    `User: ${String(start.user)}`,
    `Started: ${start.at}`,
    `Model(s): ${models.join(', ')}`,
    '='.repeat(60),
    '',
  ];
  // Answers are named by number ("Answer 2"), not by internal id, in the order they started.
  const answerNumbers = new Map<string, number>();
  const answerName = (id: unknown) => {
    const key = String(id);
    if (!answerNumbers.has(key)) answerNumbers.set(key, answerNumbers.size + 1);
    return `Answer ${answerNumbers.get(key)}`;
  };
  // Text already written per answer from its rounds (model-call records), so the final record only
  // adds what no round carried (a notice, or the text of a round that never finished).
  const written = new Map<string, string>();
  for (const r of records) {
    const time = r.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    switch (r.kind) {
      case 'user-message': {
        lines.push(`[${time}] You:`, String(r.text));
        // Files are named, never included: the transcript line only ever held their names and sizes.
        const files = Array.isArray(r.attachments) ? (r.attachments as Array<{ name?: unknown; size?: unknown }>) : [];
        if (files.length > 0) lines.push(`Attached: ${files.map((f) => `${String(f.name)} (${formatBytes(Number(f.size))})`).join(', ')}`);
        lines.push('');
        break;
      }
      case 'model-call': {
        if (typeof r.text !== 'string' || r.text.trim() === '') break;
        const id = String(r.messageId);
        written.set(id, (written.get(id) ?? '') + r.text);
        lines.push(`[${time}] ${answerName(id)} (${String(r.model)}):`, r.text.trim(), '');
        break;
      }
      case 'assistant-message': {
        const id = String(r.messageId);
        const text = String(r.text ?? '');
        const already = written.get(id) ?? '';
        const rest = already && text.startsWith(already) ? text.slice(already.length) : already ? '' : text;
        const marker = r.incomplete ? ' [incomplete]' : '';
        if (rest.trim() !== '') lines.push(`[${time}] ${answerName(id)} (${String(r.model)})${marker}:`, rest.trim(), '');
        else if (marker || !already) lines.push(`[${time}] ${answerName(id)} (${String(r.model)})${marker}: (no text)`, '');
        break;
      }
      case 'tool-call':
        lines.push(`[${time}] Tool call ${String(r.name)}: ${JSON.stringify(r.args)}`, '');
        break;
      case 'tool-result':
        lines.push(`[${time}] Tool result (${String(r.name)}):`, String(r.content), '');
        break;
      case 'tool-error':
        lines.push(`[${time}] Tool error (${String(r.name)}): ${String(r.code)} — ${String(r.message)}`, '');
        break;
      case 'error':
        lines.push(`[${time}] Error: ${String(r.code)} — ${String(r.message)}`, '');
        break;
      case 'feedback':
        lines.push(`[${time}] Feedback${r.messageId ? ` on ${answerName(r.messageId)}` : ''}: ${String(r.rating ?? '')} ${String(r.comment ?? '')}`.trimEnd(), '');
        break;
      case 'session-end':
        lines.push(`[${time}] Session ended (${String(r.reason)})`);
        break;
      default:
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}
