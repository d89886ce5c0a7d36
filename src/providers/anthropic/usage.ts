import type { UsageDelta } from '../../core/delta.ts';
import type { AnthropicUsageLike } from './wire.ts';

/**
 * Anthropic usage → a `usage` delta, or `undefined` when it has no count we map.
 *
 * Anthropic's `input_tokens` counts only the prompt tokens after the last cache breakpoint, so
 * `inputTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens` (the whole
 * prompt, as rxllm's `Usage` defines it) and `cachedInputTokens = cache_read_input_tokens` (a
 * part of it). Cache writes count as input, not as cached. `outputTokens = output_tokens`
 * (thinking included); `reasoningTokens = output_tokens_details.thinking_tokens` when sent.
 * With `output: false` (for `message_start`, whose `output_tokens` is a placeholder) only the
 * input counts are mapped.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function anthropicUsage(u: AnthropicUsageLike, output: boolean): UsageDelta | undefined {
  const usage: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  let any = false;
  if (typeof u.input_tokens === 'number') {
    const read = u.cache_read_input_tokens ?? 0;
    usage.inputTokens = u.input_tokens + read + (u.cache_creation_input_tokens ?? 0);
    if (typeof u.cache_read_input_tokens === 'number') usage.cachedInputTokens = read;
    any = true;
  }
  if (output) {
    if (typeof u.output_tokens === 'number') {
      usage.outputTokens = u.output_tokens;
      any = true;
    }
    const thinking = u.output_tokens_details?.thinking_tokens;
    if (typeof thinking === 'number') {
      usage.reasoningTokens = thinking;
      any = true;
    }
  }
  return any ? usage : undefined;
}
