import type { UsageDelta } from '../../core/delta.ts';
import type { BedrockUsageWire } from './wire.ts';

/**
 * Maps Bedrock's `TokenUsage` (counts in tokens). Bedrock's `inputTokens` excludes the prompt
 * tokens read from or written to the cache, so rxllm's `inputTokens` (prompt tokens including
 * cached ones) is `inputTokens + cacheReadInputTokens + cacheWriteInputTokens`, and
 * `cachedInputTokens` is `cacheReadInputTokens`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function mapUsage(usage: BedrockUsageWire): UsageDelta {
  const out: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  const cacheRead = usage.cacheReadInputTokens;
  if (usage.inputTokens !== undefined) out.inputTokens = usage.inputTokens + (cacheRead ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  if (usage.outputTokens !== undefined) out.outputTokens = usage.outputTokens;
  if (cacheRead !== undefined) out.cachedInputTokens = cacheRead;
  return out;
}
