import type { FinishReason } from '../../core/delta.ts';

/**
 * Normalizes Gemini's `finishReason`, following the Vercel AI SDK's google provider:
 * `STOP` → `stop`, or `tool-calls` when the response made function calls (Gemini says `STOP`
 * either way); `MAX_TOKENS` → `length`; `SAFETY`, `RECITATION`, `BLOCKLIST`,
 * `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`, `IMAGE_PROHIBITED_CONTENT`, `IMAGE_RECITATION` →
 * `content-filter`; `MALFORMED_FUNCTION_CALL` and `MALFORMED_RESPONSE` → `error` (the model's
 * output was unusable); anything else (`OTHER`, `LANGUAGE`, `UNEXPECTED_TOOL_CALL`, …) →
 * `other`. The raw value is kept by the caller.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function mapGeminiFinishReason(raw: string, hasToolCalls: boolean): FinishReason {
  switch (raw) {
    case 'STOP':
      return hasToolCalls ? 'tool-calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content-filter';
    case 'MALFORMED_FUNCTION_CALL':
    case 'MALFORMED_RESPONSE':
      return 'error';
    default:
      return 'other';
  }
}
