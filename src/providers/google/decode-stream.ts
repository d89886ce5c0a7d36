/**
 * Gemini API `GenerateContentResponse` chunks → rxllm deltas. Pure: one chunk (with a little
 * state per response) in, deltas out through `out.next`; no SDK, no I/O. A non-streaming
 * response has the same shape as one chunk.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 * @module
 */
import type { DeltaSink, FinishReason, MetadataDelta, UsageDelta } from '../../core/delta.ts';
import { geminiApiError } from './errors.ts';

const PROVIDER = 'google';

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

/** The `usageMetadata` fields rxllm maps. */
export interface GeminiUsageLike {
  readonly promptTokenCount?: number;
  readonly toolUsePromptTokenCount?: number;
  readonly cachedContentTokenCount?: number;
  readonly candidatesTokenCount?: number;
  readonly thoughtsTokenCount?: number;
}

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

/**
 * Maps `generateContentStream` chunks to deltas, one chunk at a time, synchronously. Only the
 * first candidate is mapped (`candidateCount` > 1 is not supported by rxllm's one-answer delta).
 *
 * Per chunk, in order:
 * - the first chunk → `metadata` (`google`, `responseId`, `modelVersion`);
 * - each part: `thought: true` text → `reasoning`, then its `thoughtSignature` (if any) as a
 *   `reasoning` delta with empty text carrying only the signature; other text → `text`;
 *   `functionCall` → `tool-call-start`, one `tool-call-delta` with
 *   `JSON.stringify(args)` and `tool-call-end` (Gemini sends calls whole). A call's id is the
 *   API's `functionCall.id` when present, else `${responseId}-call-${index}` (unique per
 *   response, the same for its streaming and non-streaming forms; a random prefix replaces a
 *   missing `responseId`). Vertex AI's streamed arguments (`partialArgs`, `willContinue`) are
 *   not mapped: rxllm expects whole calls. A `thoughtSignature` on a non-thought
 *   part (Gemini puts it on the first answer or function-call part) comes first, before the
 *   part's own delta. Signatures always come alone, in a `reasoning` delta with empty text: the
 *   rule of every rxllm source (see `ReasoningDelta`). Other parts (inline data, executable
 *   code) are not mapped.
 * - `usageMetadata` → `usage` ({@link geminiUsage}), skipped when unchanged since the last chunk;
 * - `finishReason` → `finish` ({@link mapGeminiFinishReason}, raw kept): the terminal event
 *   (`done`); `promptFeedback.blockReason` (the prompt was blocked, no candidates) →
 *   `finish` `content-filter` with the block reason as raw, also terminal;
 * - an `{ "error": {…} }` chunk throws a `ProviderError` ({@link geminiApiError}).
 */
export class GeminiChunkMapper {
  /** True once a chunk with a `finishReason` (or a blocked prompt) was handled. */
  done = false;
  private readonly out: DeltaSink;
  private started = false;
  private responseId: string | undefined;
  private callCount = 0;
  private lastUsage: UsageDelta | undefined;

  constructor(out: DeltaSink) {
    this.out = out;
  }

  /** Maps one chunk (`GenerateContentResponse`, as the SDK yields it or as JSON off the wire). */
  map(chunk: any): void {
    if (chunk.error) throw geminiApiError(chunk.error, chunk.error, true);
    if (!this.started) {
      this.started = true;
      if (typeof chunk.responseId === 'string') this.responseId = chunk.responseId;
      const metadata: { -readonly [K in keyof MetadataDelta]: MetadataDelta[K] } = { type: 'metadata', provider: PROVIDER };
      if (typeof chunk.responseId === 'string') metadata.id = chunk.responseId;
      if (typeof chunk.modelVersion === 'string') metadata.model = chunk.modelVersion;
      this.out.next(metadata);
    }
    const candidate = chunk.candidates?.[0];
    const parts = candidate?.content?.parts;
    if (parts) for (let i = 0; i < parts.length; i++) this.part(parts[i]);
    if (chunk.usageMetadata) this.usage(chunk.usageMetadata);
    const raw = candidate?.finishReason;
    if (typeof raw === 'string') {
      this.done = true;
      this.out.next({ type: 'finish', reason: mapGeminiFinishReason(raw, this.callCount > 0), raw });
    } else if (typeof chunk.promptFeedback?.blockReason === 'string') {
      this.done = true;
      this.out.next({ type: 'finish', reason: 'content-filter', raw: chunk.promptFeedback.blockReason });
    }
  }

  private part(part: any): void {
    const signature: string | undefined = part.thoughtSignature || undefined;
    const text = part.text;
    if (typeof text === 'string' && part.thought === true) {
      if (text) this.out.next({ type: 'reasoning', text });
      if (signature !== undefined) this.out.next({ type: 'reasoning', text: '', signature });
      return;
    }
    if (signature !== undefined) this.out.next({ type: 'reasoning', text: '', signature });
    if (typeof text === 'string') {
      if (text) this.out.next({ type: 'text', text });
    } else if (part.functionCall) {
      const call = part.functionCall;
      const index = this.callCount++;
      const id: string = call.id || `${(this.responseId ??= `gemini-${Math.random().toString(36).slice(2, 12)}`)}-call-${index}`;
      this.out.next({ type: 'tool-call-start', index, id, name: call.name ?? '' });
      this.out.next({ type: 'tool-call-delta', index, argsText: JSON.stringify(call.args ?? {}) });
      this.out.next({ type: 'tool-call-end', index });
    }
  }

  private usage(metadata: GeminiUsageLike): void {
    const usage = geminiUsage(metadata);
    if (usage === undefined || sameUsage(usage, this.lastUsage)) return;
    this.lastUsage = usage;
    this.out.next(usage);
  }
}

function sameUsage(a: UsageDelta, b: UsageDelta | undefined): boolean {
  return (
    b !== undefined &&
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.reasoningTokens === b.reasoningTokens &&
    a.cachedInputTokens === b.cachedInputTokens
  );
}
