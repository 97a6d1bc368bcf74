import { randomUUID } from 'node:crypto';
import type { Usage } from '../protocol/server-events.js';
import { CANNOT_WRITE_CODE } from './demo-python.js';
import { CODE_REQUEST, pickDemoToolRule } from './demo-tool-rules.js';
import type { ChatMessage, ChatModel, ModelEvent, ModelFile, StreamRequest, ToolCallRequest } from './types.js';
import { SAMPLE_DATA_SEED } from '../data/sample-data.js';
import { generateDirectory } from '../data/sample-directory.js';

let suggestedPerson: string | undefined;
/** Someone who really is in the sample directory, so "who is …" finds a person (built once, lazily). */
function samplePersonName(): string {
  suggestedPerson ??= generateDirectory(SAMPLE_DATA_SEED).people[0]?.name ?? 'a colleague';
  return suggestedPerson;
}

/**
 * A built-in model that needs no network and no key, so a fresh clone works end to end (design §5).
 * It streams a short markdown answer about the user's own message — a heading, bold text, a list and
 * a fenced code block, so every part of the page's rendering shows — and, when the message asks for
 * a calculation, code, a person or data, calls the matching tool if the chat offers it. After a tool
 * ran, it summarises the result. It is a demo, and says so in every answer.
 */

export interface DemoModelOptions {
  name?: string;
  label?: string;
  /** Pause between streamed words, to look like a model typing. Tests pass 0–2. */
  wordDelayMs?: number;
}

const DEFAULT_WORD_DELAY_MS = 20;
const QUOTE_CHARS = 200;
const RESULT_PREVIEW_CHARS = 600;

export class DemoModel implements ChatModel {
  readonly name: string;
  readonly label: string;
  readonly provider = 'demo';
  readonly demo = true;
  private readonly wordDelayMs: number;

  constructor(options: DemoModelOptions = {}) {
    this.name = options.name ?? 'demo';
    this.label = options.label ?? 'Demo (offline)';
    this.wordDelayMs = options.wordDelayMs ?? DEFAULT_WORD_DELAY_MS;
  }

  /** Same stop contract as the real models: on abort, rejects with `request.signal.reason`. */
  async *stream(request: StreamRequest): AsyncGenerator<ModelEvent, void, undefined> {
    const { messages, tools, signal } = request;
    throwIfAborted(signal);
    const last = messages[messages.length - 1];
    let toolCalls: ToolCallRequest[] = [];
    let answer: string;

    if (last?.role === 'tool') {
      answer = summariseToolResults(messages);
    } else {
      const text = lastUserText(messages);
      const picked = text ? pickDemoToolRule(text, tools) : undefined;
      if (picked && text) {
        const args = picked.rule.args({ text, spec: picked.spec, messages });
        toolCalls = [{ id: `call_demo_${randomUUID().slice(0, 8)}`, type: 'function', function: { name: picked.rule.tool, arguments: JSON.stringify(args) } }];
        answer = `Let me use \`${picked.rule.tool}\` for that.`;
      } else if (text && CODE_REQUEST.test(text) && tools.some((t) => t.function.name === 'code_execution')) {
        // Asked for code it cannot derive: say so, rather than run something unrelated.
        answer = CANNOT_WRITE_CODE;
      } else {
        answer = markdownAnswer(text, tools.map((t) => t.function.name), lastUserFiles(messages));
      }
    }

    let completionTokens = 0;
    for (const word of words(answer)) {
      if (this.wordDelayMs > 0) await sleep(this.wordDelayMs, signal);
      throwIfAborted(signal);
      completionTokens += 1;
      yield { type: 'text', text: word };
    }
    throwIfAborted(signal);
    for (const call of toolCalls) completionTokens += countWords(call.function.arguments);
    yield {
      type: 'done',
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      toolCalls,
      usage: estimateUsage(messages, completionTokens),
    };
  }

  async ping(): Promise<void> {
    // Nothing to reach: the demo is always there.
  }
}

function lastUserText(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message?.role === 'user') return message.text;
  }
  return undefined;
}

function lastUserFiles(messages: ChatMessage[]): ModelFile[] {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message?.role === 'user') return message.files ?? [];
  }
  return [];
}

/** What the demo saw of attached files, so attaching can be seen working without a real model. */
function filesLine(files: ModelFile[]): string {
  // A name is the person's text: quotes instead of backticks keep it inside its code span.
  const described = files.map((f) => `\`${f.name.replace(/`/g, "'")}\` (${f.kind === 'text' ? `${f.text.length} characters of text` : 'an image'})`);
  return `You attached ${described.join(', ')}.`;
}

function markdownAnswer(userText: string | undefined, toolNames: string[], files: ModelFile[] = []): string {
  // Backticks become quotes so the user's text can never open or close a code span or fence.
  const said = (userText ?? '').replace(/\s+/g, ' ').replace(/`/g, "'").trim();
  const quote = said.length > QUOTE_CHARS ? `${said.slice(0, QUOTE_CHARS)}…` : said;
  const wordCount = countWords(said);
  const toolLine =
    toolNames.length > 0
      ? `- Tools in this chat: ${toolNames.map((n) => `\`${n}\``).join(', ')}. Ask me to *calculate 12 * 7*, for *Python: print(2 ** 10)*, *who is ${samplePersonName()}*, or about *sales orders* and I will call one.`
      : '- No tools are selected. Pick some (math, Python, people, data) and ask me to *calculate 12 * 7* or about *sales orders*.';
  return [
    '### Demo answer',
    '',
    quote ? `You wrote: _“${quote}”_ — that is **${wordCount} ${wordCount === 1 ? 'word' : 'words'}**.` : files.length > 0 ? 'You sent files without a message.' : 'You sent an empty message.',
    '',
    ...(files.length > 0 ? [filesLine(files), ''] : []),
    'I am the **demo model**: I run offline, need no API key, and only pretend to think.',
    '',
    '- Answers stream word by word, like a real model.',
    toolLine,
    '- Add a real model in `config/llms.yml` to get real answers.',
    '',
    'Your message, as a tiny program:',
    '',
    '```python',
    // JSON string syntax is valid Python.
    `message = ${JSON.stringify(said.slice(0, QUOTE_CHARS))}`,
    'print(len(message.split()), "words")',
    '```',
  ].join('\n');
}

/** "Result from `basic_math`: …" for each tool message that ended the conversation. */
function summariseToolResults(messages: ChatMessage[]): string {
  const results: Array<{ toolCallId: string; text: string }> = [];
  let i = messages.length - 1;
  for (; i >= 0; i -= 1) {
    const message = messages[i];
    if (message?.role !== 'tool') break;
    results.unshift(message);
  }
  const caller = messages[i];
  const calls = caller?.role === 'assistant' ? (caller.toolCalls ?? []) : [];
  const parts = results.map((result) => {
    const name = calls.find((c) => c.id === result.toolCallId)?.function.name ?? 'the tool';
    const content = result.text.trim();
    const preview = content.length > RESULT_PREVIEW_CHARS ? `${content.slice(0, RESULT_PREVIEW_CHARS)}…` : content;
    const failed = /^error\b/i.test(content);
    // A successful multi-line result (rows, program output) is already drawn by the page from the
    // tool's result; quoting it again in a fence showed every row twice. Errors are quoted: they
    // are short, and the reader needs to see them.
    const body = !preview.includes('\n')
      ? ` ${preview}`
      : failed
        ? `\n\n\`\`\`\n${preview.replace(/```/g, "'''")}\n\`\`\``
        : ' the full result is shown above.';
    return `**${failed ? 'The tool reported a problem' : 'Result'} from \`${name}\`:**${body}`;
  });
  return [...parts, '', '_(Demo model: a real model would now explain this result in its own words.)_'].join('\n');
}

/** Word pieces that keep their trailing whitespace, so joining them gives the text back. */
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** An estimate, labelled as such by being the demo: one token per word. */
function estimateUsage(messages: ChatMessage[], completionTokens: number): Usage {
  let promptTokens = 0;
  for (const message of messages) promptTokens += countWords(message.text);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A pause that ends early, rejecting with the signal's reason, when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
