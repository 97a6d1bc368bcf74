import { pythonFor } from './demo-python.js';
import type { ChatMessage, ToolSpec } from './types.js';

/**
 * How the demo model decides to call a tool: one small table of rules, tried in order. A rule fires
 * when the user's last message matches its pattern AND its tool is offered in this request, so the
 * demo only ever calls tools the chat actually selected. Each rule builds real arguments from the
 * message, so the tool runs on what the person asked, not on a canned input.
 */

export interface DemoToolContext {
  /** The user's last message. */
  text: string;
  /** The tool spec offered for this rule's tool. */
  spec: ToolSpec;
  /** The whole conversation (the system prompt lists the chat's data sources). */
  messages: ChatMessage[];
}

export interface DemoToolRule {
  tool: string;
  pattern: RegExp;
  /** A further condition: the rule fires only when it can build real arguments. */
  applies?: (text: string) => boolean;
  args: (context: DemoToolContext) => Record<string, unknown>;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
/** A request for code to run. */
export const CODE_REQUEST = /\b(python|code|script|program)\b/i;

export const DEMO_TOOL_RULES: readonly DemoToolRule[] = [
  // Code first: "write Python to compute 2**10" is a code request even though it has a sum in it.
  { tool: 'code_execution', pattern: CODE_REQUEST, applies: (text) => pythonFor(text) !== undefined, args: ({ text }) => ({ code: pythonFor(text) }) },
  {
    tool: 'basic_math',
    pattern: /\d\s*[-+*/^x×÷]\s*\(?\s*\d|\b(calculate|compute|evaluate|sqrt|square root|how much is)\b/i,
    args: ({ text }) => ({ expression: mathExpression(text) }),
  },
  {
    tool: 'sql_query',
    pattern: /\b(orders?|sales|revenue|customers?|tickets?|support|query|sql|database|data ?sources?|tables?)\b/i,
    args: sqlArguments,
  },
  {
    tool: 'user_lookup',
    pattern: new RegExp(`\\bwho(?: is|'s)\\b|\\bfind\\b|\\blook ?up\\b|\\bsearch for\\b|${EMAIL.source}`, 'i'),
    args: ({ text }) => ({ query: personQuery(text) }),
  },
];

/** The first rule that matches the text and whose tool is offered, with its spec. */
export function pickDemoToolRule(text: string, tools: ToolSpec[]): { rule: DemoToolRule; spec: ToolSpec } | undefined {
  for (const rule of DEMO_TOOL_RULES) {
    const spec = tools.find((t) => t.function.name === rule.tool);
    if (spec && rule.pattern.test(text) && (rule.applies?.(text) ?? true)) return { rule, spec };
  }
  return undefined;
}

const WORD_OPERATORS: Array<[RegExp, string]> = [
  [/square root of\s*/gi, 'sqrt'],
  [/\bto the power of\b/gi, '^'],
  [/\s*\bsquared\b/gi, '^2'],
  [/\bplus\b/gi, '+'],
  [/\bminus\b/gi, '-'],
  [/\b(times|multiplied by)\b/gi, '*'],
  [/\bdivided by\b/gi, '/'],
  [/(\d)\s*[x×]\s*(?=\d)/gi, '$1*'],
  [/÷/g, '/'],
];

/** The arithmetic in a sentence: "what is 12 times (3 + 4)?" → "12 * (3 + 4)". */
export function mathExpression(text: string): string {
  let t = text;
  for (const [pattern, replacement] of WORD_OPERATORS) t = t.replace(pattern, replacement);
  t = t.replace(/sqrt\s*(\d+(?:\.\d+)?)/g, 'sqrt($1)');
  const candidates = t.match(/(?:sqrt)?[\d(][\d\s.+\-*/^%()sqrt]*[\d)]/g) ?? [];
  const withOperator = candidates.filter((c) => /[-+*/^%]|sqrt/.test(c));
  const best = (withOperator.length > 0 ? withOperator : candidates).sort((a, b) => b.length - a.length)[0];
  if (best) return best.trim().replace(/\s+/g, ' ');
  // Words only ("calculate the average of …"): hand over the request itself; the tool says if it cannot.
  return t.replace(/^.*?\b(calculate|compute|evaluate|how much is)\b/i, '').replace(/[?.!]+$/, '').trim() || t.trim();
}

/** Who to look up: an email if there is one, else the words after "who is" / "find" / "look up". */
export function personQuery(text: string): string {
  const email = text.match(EMAIL);
  if (email) return email[0];
  const after = text.match(/\b(?:who(?: is|'s)|find|look ?up|search for)\s+(.+)/i)?.[1] ?? text;
  const cleaned = after
    .replace(/[?.!]+$/g, '')
    .replace(/^(the|a|an|our|my)\s+/i, '')
    .replace(/\s+(in|from) the (company )?directory$/i, '')
    .trim();
  return cleaned.slice(0, 80) || text.slice(0, 80);
}

interface DataSourceHint {
  id: string;
  tables: string[];
}

/**
 * The data sources this chat offers, as the system prompt lists them ("- sales: … (tables: a, b)"),
 * then any the tool spec names (an enum, or quoted ids in its descriptions).
 */
export function dataSourceHints(spec: ToolSpec, messages: ChatMessage[]): DataSourceHint[] {
  const hints: DataSourceHint[] = [];
  const add = (id: string, tables: string[] = []) => {
    if (!hints.some((h) => h.id === id)) hints.push({ id, tables });
  };
  for (const message of messages) {
    if (message.role !== 'system') continue;
    for (const match of message.text.matchAll(/^- ([\w-]+): .*?(?:\(tables: ([^)]*)\))?$/gm)) {
      add(match[1] as string, (match[2] ?? '').split(',').map((t) => t.trim()).filter(Boolean));
    }
  }
  const property = (spec.function.parameters as { properties?: Record<string, { enum?: unknown; description?: unknown }> }).properties
    ?.data_source;
  if (Array.isArray(property?.enum)) for (const id of property.enum) if (typeof id === 'string') add(id);
  const described = `${typeof property?.description === 'string' ? property.description : ''} ${spec.function.description}`;
  for (const match of described.matchAll(/"([a-z][\w-]{1,40})"/g)) add(match[1] as string);
  return hints;
}

/** Topic words → the table a demo query reads, and a query that works on the sample databases. */
const SQL_TOPICS: Array<{ words: RegExp; table: string; sql: string }> = [
  {
    words: /\b(tickets?|support)\b/i,
    table: 'tickets',
    sql: 'SELECT status, COUNT(*) AS tickets FROM tickets GROUP BY status ORDER BY tickets DESC LIMIT 10',
  },
  {
    words: /\b(orders?|sales|revenue|customers?)\b/i,
    table: 'orders',
    sql: 'SELECT id, order_date, status FROM orders ORDER BY order_date DESC LIMIT 10',
  },
];

const FALLBACK_DATA_SOURCE = 'sales';

function sqlArguments({ text, spec, messages }: DemoToolContext): Record<string, unknown> {
  const hints = dataSourceHints(spec, messages);
  const topic = SQL_TOPICS.find((t) => t.words.test(text));
  const withTable = topic && hints.find((h) => h.tables.includes(topic.table));
  if (topic && withTable) return { data_source: withTable.id, sql: topic.sql };
  const chosen = hints[0];
  if (!chosen) return { data_source: FALLBACK_DATA_SOURCE, sql: topic?.sql ?? SQL_TOPICS[1]!.sql };
  const firstTable = chosen.tables[0];
  // A data source we know nothing about: show some of its first table, or list its tables.
  const sql = firstTable
    ? `SELECT * FROM ${firstTable} LIMIT 10`
    : "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name LIMIT 10";
  return { data_source: chosen.id, sql };
}
