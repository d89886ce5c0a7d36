/**
 * node-llama-cpp's stop reason → rxllm's finish reason. Pure and total.
 * @module
 */
import type { FinishReason } from '../../core/delta.ts';

/**
 * Maps `LlamaChatResponse.metadata.stopReason` (also `LlamaChatSession.promptWithMeta`'s
 * `stopReason`): `eogToken` (the model's end-of-generation token), `stopGenerationTrigger` (the
 * chat wrapper's end of turn) and `customStopTrigger` → `stop`; `maxTokens` → `length`;
 * `functionCalls` → `tool-calls`; anything else (`abort`, a future value) → `other`.
 *
 * @param raw node-llama-cpp's stop reason.
 * @return The normalized reason; keep `raw` beside it.
 */
export function mapLlamaCppStopReason(raw: string): FinishReason {
  switch (raw) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    case 'functionCalls':
      return 'tool-calls';
    default:
      return 'other';
  }
}
