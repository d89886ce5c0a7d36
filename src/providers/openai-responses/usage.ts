import type { UsageDelta } from '../../core/delta.ts';
import type { ResponseUsageWire } from './wire.ts';

/**
 * Responses `usage` → a `usage` delta (token counts): `input_tokens`, `output_tokens`,
 * `output_tokens_details.reasoning_tokens`, `input_tokens_details.cached_tokens`. Fields the
 * provider left out stay absent.
 */
export function mapResponseUsage(usage: ResponseUsageWire): UsageDelta {
  const delta: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  if (typeof usage.input_tokens === 'number') delta.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === 'number') delta.outputTokens = usage.output_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') delta.reasoningTokens = reasoning;
  const cached = usage.input_tokens_details?.cached_tokens;
  if (typeof cached === 'number') delta.cachedInputTokens = cached;
  return delta;
}
