import type { FinishReason } from '../../core/delta.ts';

/**
 * Normalizes a Converse `stopReason`: `end_turn` / `stop_sequence` → `stop`; `max_tokens` and
 * `model_context_window_exceeded` → `length`; `tool_use` → `tool-calls`; `guardrail_intervened`
 * / `content_filtered` → `content-filter`; anything else (`malformed_model_output`,
 * `malformed_tool_use`, values added later, a missing value) → `other`. The raw value is kept
 * by the caller in `FinishDelta.raw`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
 */
export function mapBedrockStopReason(raw: string | undefined): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content-filter';
    default:
      return 'other';
  }
}
