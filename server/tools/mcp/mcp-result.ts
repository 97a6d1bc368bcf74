import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolError, type ToolResult } from '../tool.js';
import { IMAGE_TYPES, MAX_IMAGE_BYTES, type ToolUi } from '../ui.js';

type Block = CallToolResult['content'][number];
type Cell = string | number | boolean | null;

const MAX_TABLE_ROWS = 1000;
const MAX_TABLE_COLUMNS = 50;

/**
 * Turns an MCP tool result into ours: text blocks become the model's text; the page gets one rich
 * view, chosen in this order: structured content that is a table, the first acceptable image, the
 * http(s) resource links. A result flagged `isError` becomes a tool error with the server's words.
 */
export function convertMcpResult(result: CallToolResult): ToolResult {
  const texts: string[] = [];
  let image: ToolUi | undefined;
  const links: Array<{ url: string; title?: string; description?: string }> = [];
  for (const block of result.content ?? []) {
    const text = describeBlock(block);
    if (text) texts.push(text);
    if (block.type === 'image' && !image) image = imageView(block.data, block.mimeType);
    if (block.type === 'resource_link' && /^https?:\/\//i.test(block.uri)) {
      links.push({ url: block.uri, title: block.title ?? block.name, ...(block.description ? { description: block.description } : {}) });
    }
  }
  const table = result.structuredContent ? tableView(result.structuredContent) : undefined;
  // Servers may send only structured content; the model still needs it as text.
  if (texts.length === 0 && result.structuredContent) texts.push(JSON.stringify(result.structuredContent));
  const content = texts.join('\n\n');
  if (result.isError) throw new ToolError(content || 'The MCP server reported an error.');
  const ui = table ?? image ?? (links.length > 0 ? ({ type: 'links', links: links.slice(0, 50) } as ToolUi) : undefined);
  return ui ? { content, ui } : { content };
}

function describeBlock(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      return `[image: ${block.mimeType}]`;
    case 'audio':
      return `[audio: ${block.mimeType}, not shown]`;
    case 'resource_link':
      return `[resource: ${block.title ?? block.name} <${block.uri}>]`;
    case 'resource':
      return 'text' in block.resource ? block.resource.text : `[resource: ${block.resource.uri} (${block.resource.mimeType ?? 'binary'})]`;
    default:
      return '';
  }
}

function imageView(base64: string, mimeType: string): ToolUi | undefined {
  if (!(IMAGE_TYPES as readonly string[]).includes(mimeType)) return undefined;
  // base64 holds 3 bytes per 4 characters: checked before building a large string.
  if ((base64.length * 3) / 4 > MAX_IMAGE_BYTES) return undefined;
  return { type: 'image', src: `data:${mimeType};base64,${base64}`, alt: 'Image returned by the tool' };
}

/** A table when the structured content is a list of flat records, or an object holding exactly one such list. */
function tableView(structured: Record<string, unknown>): ToolUi | undefined {
  const lists = Object.values(structured).filter(Array.isArray);
  const records = lists.length === 1 ? lists[0]! : undefined;
  if (records) return recordsTable(records);
  // One flat record: a two-column table of its fields.
  const entries = Object.entries(structured);
  if (entries.length === 0 || entries.length > MAX_TABLE_ROWS || !entries.every(([, v]) => isCell(v))) return undefined;
  return { type: 'table', columns: ['field', 'value'], rows: entries.map(([k, v]) => [k, cellOf(v as Cell)]) };
}

function recordsTable(records: unknown[]): ToolUi | undefined {
  if (records.length === 0 || !records.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) return undefined;
  const columns = [...new Set(records.flatMap((r) => Object.keys(r as object)))].slice(0, MAX_TABLE_COLUMNS);
  const rows = (records as Record<string, unknown>[]).slice(0, MAX_TABLE_ROWS).map((r) =>
    columns.map((c) => {
      const value = r[c] ?? null;
      // Nested values are shown as JSON text: the table vocabulary has flat cells only.
      return isCell(value) ? cellOf(value as Cell) : JSON.stringify(value).slice(0, 10_000);
    }),
  );
  if (columns.length === 0) return undefined;
  return { type: 'table', columns, rows, ...(records.length > MAX_TABLE_ROWS ? { truncated: true } : {}) };
}

function isCell(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function cellOf(value: Cell): Cell {
  return typeof value === 'string' ? value.slice(0, 10_000) : value;
}
