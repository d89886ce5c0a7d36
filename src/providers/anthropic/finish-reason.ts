import type { FinishReason } from '../../core/delta.ts';

/**
 * Normalizes Anthropic's `stop_reason`: `end_turn` / `stop_sequence` → `stop`, `max_tokens` and
 * `model_context_window_exceeded` → `length` (as the Vercel AI SDK), `tool_use` → `tool-calls`,
 * `refusal` → `content-filter`, `pause_turn` (a server tool's long turn paused; send the
 * response back to continue) and anything else → `other`. The raw value is kept by the caller.
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
export function mapAnthropicStopReason(raw: string): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}
