import type { UsageDelta } from '../../core/delta.ts';
import type { GeminiUsageLike } from './wire.ts';

/**
 * Gemini `usageMetadata` → a `usage` delta, or `undefined` when it has no count we map.
 *
 * Gemini counts thinking apart from the answer (`totalTokenCount = promptTokenCount +
 * toolUsePromptTokenCount + candidatesTokenCount + thoughtsTokenCount`), so
 * `inputTokens = promptTokenCount + toolUsePromptTokenCount` (the prompt already includes cached
 * content), `cachedInputTokens = cachedContentTokenCount`, `outputTokens = candidatesTokenCount +
 * thoughtsTokenCount` and `reasoningTokens = thoughtsTokenCount`; input plus output is the total.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function geminiUsage(u: GeminiUsageLike): UsageDelta | undefined {
  const usage: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  let any = false;
  if (u.promptTokenCount !== undefined || u.toolUsePromptTokenCount !== undefined) {
    usage.inputTokens = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
    any = true;
  }
  if (u.cachedContentTokenCount !== undefined) {
    usage.cachedInputTokens = u.cachedContentTokenCount;
    any = true;
  }
  if (u.candidatesTokenCount !== undefined || u.thoughtsTokenCount !== undefined) {
    usage.outputTokens = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
    any = true;
  }
  if (u.thoughtsTokenCount !== undefined) {
    usage.reasoningTokens = u.thoughtsTokenCount;
    any = true;
  }
  return any ? usage : undefined;
}

/** True when two usage deltas carry the same counts (Gemini repeats usage on every chunk). */
export function sameUsage(a: UsageDelta, b: UsageDelta | undefined): boolean {
  return (
    b !== undefined &&
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.reasoningTokens === b.reasoningTokens &&
    a.cachedInputTokens === b.cachedInputTokens
  );
}
