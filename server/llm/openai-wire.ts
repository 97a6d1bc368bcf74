import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage, ModelFile } from './types.js';

/**
 * Our provider-neutral message as the OpenAI chat-completions API wants it. An assistant turn that
 * only called tools has no text; providers want `content: null` there, not ''.
 */
export function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.text };
    case 'user':
      return { role: 'user', content: userContent(message.text, message.files ?? []) };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.text };
    case 'assistant':
      if (message.toolCalls && message.toolCalls.length > 0) {
        return { role: 'assistant', content: message.text === '' ? null : message.text, tool_calls: message.toolCalls };
      }
      return { role: 'assistant', content: message.text };
  }
}

/**
 * A user message with files. Text files travel inside the text, each fenced by its name, so every
 * provider reads them; images become `image_url` parts with data URLs (only models marked
 * `vision: true` get them, checked before the call). Without images the content stays one string,
 * the form every OpenAI-compatible server accepts.
 */
export function userContent(text: string, files: readonly ModelFile[]): string | ChatCompletionContentPart[] {
  const withText = [text, ...files.flatMap((f) => (f.kind === 'text' ? [fileBlock(f.name, f.text)] : []))].filter((t) => t !== '').join('\n\n');
  const images = files.filter((f): f is Extract<ModelFile, { kind: 'image' }> => f.kind === 'image');
  if (images.length === 0) return withText;
  const parts: ChatCompletionContentPart[] = [];
  if (withText !== '') parts.push({ type: 'text', text: withText });
  for (const image of images) {
    parts.push({ type: 'text', text: `[Attached image: ${image.name}]` });
    parts.push({ type: 'image_url', image_url: { url: `data:${image.mime};base64,${image.base64}` } });
  }
  return parts;
}

/** One attached file as the model reads it: its name, then its text between markers. */
export function fileBlock(name: string, text: string): string {
  return `[Attached file: ${name}]\n${text}\n[End of ${name}]`;
}
