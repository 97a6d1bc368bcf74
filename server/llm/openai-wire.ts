import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage } from './types.js';

/**
 * Our provider-neutral message as the OpenAI chat-completions API wants it. An assistant turn that
 * only called tools has no text; providers want `content: null` there, not ''.
 */
export function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.text };
    case 'user':
      return { role: 'user', content: message.text };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.text };
    case 'assistant':
      if (message.toolCalls && message.toolCalls.length > 0) {
        return { role: 'assistant', content: message.text === '' ? null : message.text, tool_calls: message.toolCalls };
      }
      return { role: 'assistant', content: message.text };
  }
}
