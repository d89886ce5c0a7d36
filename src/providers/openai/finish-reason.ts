import type { FinishDelta, FinishReason } from '../../core/delta.ts';

/**
 * Chat Completions `finish_reason` → {@link FinishReason}: `stop` → stop, `length` → length,
 * `tool_calls` and the deprecated `function_call` → tool-calls, `content_filter` → content-filter,
 * `error` (OpenRouter) → error, anything else → other (the caller keeps the raw value).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapChatFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

/**
 * rxllm's finish reason as OpenAI's `finish_reason`; `other` keeps the provider's raw value.
 * Also used by `rxllm serve` for its non-streaming answers. the inverse of {@link mapChatFinishReason}, for the chunks and completions rxllm writes.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function toOpenAIFinishReason(delta: FinishDelta): string {
  const raw = delta.raw;
  switch (delta.reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    case 'error':
      return 'error';
    case 'other':
      return raw ?? 'other';
    default:
      return raw ?? 'other';
  }
}
