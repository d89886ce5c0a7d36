import type {
  Delta,
  FinishDelta,
  FinishReason,
  MetadataDelta,
  ReasoningDelta,
  ResetDelta,
  Snapshot,
  TextDelta,
  ToolCallArgsDelta,
  ToolCallEndDelta,
  ToolCallStartDelta,
  Usage,
  UsageDelta,
} from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/**
 * A `text` delta: a fragment of the visible answer.
 *
 * @example
 * ```ts
 * textDelta('Hel'); // { type: 'text', text: 'Hel' }
 * ```
 */
export function textDelta(text: string): TextDelta {
  return { type: 'text', text };
}

/**
 * One `text` delta per argument, in order: a stream's text as the provider chunked it.
 *
 * @example
 * ```ts
 * from(textDeltas('Hel', 'lo')).pipe(accumulate(), last()); // snapshot.text === 'Hello'
 * ```
 */
export function textDeltas(...texts: string[]): TextDelta[] {
  return texts.map(textDelta);
}

/**
 * A `reasoning` delta; `extra` adds the provider's `signature` or `redacted: true`. Sources send
 * a signature alone, with empty text, after the thinking it signs (see `ReasoningDelta`).
 *
 * @example
 * ```ts
 * [reasoningDelta('Let me think'), reasoningDelta('', { signature: 'EqQB…' })];
 * ```
 */
export function reasoningDelta(text: string, extra: { signature?: string; redacted?: boolean } = {}): ReasoningDelta {
  const delta: { -readonly [K in keyof ReasoningDelta]: ReasoningDelta[K] } = { type: 'reasoning', text };
  if (extra.signature !== undefined) delta.signature = extra.signature;
  if (extra.redacted !== undefined) delta.redacted = extra.redacted;
  return delta;
}

/**
 * A `tool-call-start` delta: the call at position `index` begins.
 *
 * @example
 * ```ts
 * toolCallStart(0, 'call_1', 'get_weather');
 * ```
 */
export function toolCallStart(index: number, id: string, name: string): ToolCallStartDelta {
  return { type: 'tool-call-start', index, id, name };
}

/**
 * A `tool-call-delta` delta: a fragment of the JSON arguments of the call at `index`.
 *
 * @example
 * ```ts
 * toolCallArgs(0, '{"city":');
 * ```
 */
export function toolCallArgs(index: number, argsText: string): ToolCallArgsDelta {
  return { type: 'tool-call-delta', index, argsText };
}

/**
 * A `tool-call-end` delta: the arguments of the call at `index` are complete.
 *
 * @example
 * ```ts
 * toolCallEnd(0);
 * ```
 */
export function toolCallEnd(index: number): ToolCallEndDelta {
  return { type: 'tool-call-end', index };
}

/**
 * A `usage` delta with the given token counts.
 *
 * @example
 * ```ts
 * usageDelta({ inputTokens: 12, outputTokens: 3 });
 * ```
 */
export function usageDelta(usage: Usage): UsageDelta {
  return { type: 'usage', ...usage };
}

/**
 * A `finish` delta; `raw` is the provider's own value when you want one.
 *
 * @example
 * ```ts
 * finishDelta('stop'); finishDelta('length', 'max_tokens');
 * ```
 */
export function finishDelta(reason: FinishReason, raw?: string): FinishDelta {
  return raw === undefined ? { type: 'finish', reason } : { type: 'finish', reason, raw };
}

/**
 * A `metadata` delta: who answers.
 *
 * @example
 * ```ts
 * metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
 * ```
 */
export function metadataDelta(provider: string, id?: string, model?: string): MetadataDelta {
  const delta: { -readonly [K in keyof MetadataDelta]: MetadataDelta[K] } = { type: 'metadata', provider };
  if (id !== undefined) delta.id = id;
  if (model !== undefined) delta.model = model;
  return delta;
}

/**
 * A `reset` delta: everything before is void (what `retryStream` and `fallbackTo` emit on a restart).
 *
 * @example
 * ```ts
 * resetDelta('retry'); // { type: 'reset', reason: 'retry' }
 * ```
 */
export function resetDelta(reason: string): ResetDelta {
  return { type: 'reset', reason };
}

/**
 * The {@link Snapshot} that `accumulate()` emits after the last of `deltas` (the same code
 * builds it): the expected value of an accumulated stream, or the `partial` of an expected error
 * (an error raised before any delta arrived has no `partial`: leave it out there).
 *
 * @example
 * ```ts
 * const expected = new StreamTruncatedError('…', { provider: 'openai', partial: snapshotOf(textDeltas('Hel')) });
 * ```
 */
export function snapshotOf(deltas: Iterable<Delta>): Snapshot {
  const builder = new SnapshotBuilder();
  for (const delta of deltas) builder.apply(delta);
  return builder.snapshot();
}
