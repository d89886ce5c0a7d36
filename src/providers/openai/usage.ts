import type { Usage, UsageDelta } from '../../core/delta.ts';
import type { ChatCompletionUsage } from './wire.ts';
import type { ChatUsageWire } from './wire.ts';

/**
 * Chat Completions `usage` → a `usage` delta (token counts): `prompt_tokens` → inputTokens,
 * `completion_tokens` → outputTokens, `completion_tokens_details.reasoning_tokens` →
 * reasoningTokens, `prompt_tokens_details.cached_tokens` (or DeepSeek's
 * `prompt_cache_hit_tokens`) → cachedInputTokens. Fields the provider left out stay absent.
 */
export function mapChatUsage(usage: ChatUsageWire): UsageDelta {
  const delta: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  if (typeof usage.prompt_tokens === 'number') delta.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') delta.outputTokens = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') delta.reasoningTokens = reasoning;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (typeof cached === 'number') delta.cachedInputTokens = cached;
  return delta;
}

/** rxllm usage as OpenAI's `usage` object; counts the source did not report are 0. The inverse of {@link mapChatUsage}, for the chunks and completions rxllm writes. */
export function toOpenAIUsage(usage: Usage): ChatCompletionUsage {
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  const out: { -readonly [K in keyof ChatCompletionUsage]: ChatCompletionUsage[K] } = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (usage.cachedInputTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}
