import { readFileSync } from 'node:fs';

const FALLBACK_PROMPT = 'You are a helpful assistant for the employees of this company. Answer in markdown.';

/** The system prompt: SYSTEM_PROMPT_OVERRIDE wins, else the file, else a short safe default. */
export function loadSystemPrompt(override: string | undefined, file: string): { text: string; source: string } {
  if (override) return { text: override, source: 'SYSTEM_PROMPT_OVERRIDE' };
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text) return { text, source: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { text: FALLBACK_PROMPT, source: 'built-in default' };
}
