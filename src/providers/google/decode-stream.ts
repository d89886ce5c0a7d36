/**
 * Gemini API `GenerateContentResponse` chunks → rxllm deltas. Pure: one chunk (with a little
 * state per response) in, deltas out through the delta writer; no SDK, no I/O. A non-streaming
 * response has the same shape as one chunk (see `decode-response.ts`).
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 * @module
 */
import type { DeltaSink, UsageDelta } from '../../core/delta.ts';
import { DeltaWriter } from '../../core/delta-writer.ts';
import { geminiApiError } from './errors.ts';
import { mapGeminiFinishReason } from './finish-reason.ts';
import { PartialArgs } from './partial-args.ts';
import { geminiUsage, sameUsage } from './usage.ts';
import { GOOGLE_PROVIDER, type GeminiFunctionCallWire, type GeminiPartWire, type GeminiResponseWire, type GeminiUsageLike } from './wire.ts';

export { mapGeminiFinishReason } from './finish-reason.ts';
export { geminiUsage } from './usage.ts';
export type { GeminiUsageLike } from './wire.ts';

/** Options of {@link GeminiChunkMapper}. */
export interface GeminiMappingOptions {
  /**
   * The id of a function call that Gemini sent without one (the Gemini API sends none; Vertex AI
   * does). Default: `${responseId}-call-${index}` (`gemini-call-${index}` without a response
   * id): deterministic, unique within the response, the same for its streaming and
   * non-streaming forms. `index` is the call's position in the response.
   */
  readonly callId?: (index: number, responseId: string | undefined) => string;
}

/** The writer's key of the one function call Vertex AI may be streaming in pieces. */
const STREAMED_CALL = 0;

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
 *   API's `functionCall.id` when present, else `options.callId` (default
 *   `${responseId}-call-${index}`: no randomness, the mapper is pure). A `thoughtSignature` on a
 *   non-thought part (Gemini puts it on the first answer or function-call part) comes first,
 *   before the part's own delta. Signatures always come alone, in a `reasoning` delta with
 *   empty text: the rule of every rxllm source (see `ReasoningDelta`). Other parts (inline
 *   data, executable code) are not mapped.
 * - Vertex AI's streamed function calls (`streamFunctionCallArguments`): a `functionCall` with
 *   `willContinue: true` starts one tool call; the following `functionCall` parts' `partialArgs`
 *   (JSON path + value, long strings in pieces) are assembled into its arguments; the part
 *   without `willContinue` ends it with one `tool-call-delta` of the assembled JSON and
 *   `tool-call-end`: one tool call per function call, however many pieces;
 * - `usageMetadata` → `usage` ({@link geminiUsage}), skipped when unchanged since the last chunk;
 * - `finishReason` → `finish` ({@link mapGeminiFinishReason}, raw kept): the terminal event
 *   (`done`); `promptFeedback.blockReason` (the prompt was blocked, no candidates) →
 *   `finish` `content-filter` with the block reason as raw, also terminal;
 * - an `{ "error": {…} }` chunk throws a `ProviderError` ({@link geminiApiError}).
 */
export class GeminiChunkMapper {
  /** True once a chunk with a `finishReason` (or a blocked prompt) was handled. */
  done = false;
  private readonly w: DeltaWriter;
  private readonly callId: ((index: number, responseId: string | undefined) => string) | undefined;
  private responseId: string | undefined;
  private lastUsage: UsageDelta | undefined;
  /** The arguments of the function call being streamed in pieces, if any. */
  private streamed: PartialArgs | undefined;

  constructor(out: DeltaSink, options: GeminiMappingOptions = {}) {
    this.w = new DeltaWriter(out, GOOGLE_PROVIDER);
    this.callId = options.callId;
  }

  /** Maps one chunk (`GenerateContentResponse`, as the SDK yields it or as JSON off the wire). */
  map(chunk: GeminiResponseWire): void {
    const w = this.w;
    if (chunk.error) throw geminiApiError(chunk.error, chunk.error, true);
    if (!w.hasMetadata) {
      if (typeof chunk.responseId === 'string') this.responseId = chunk.responseId;
      w.metadata(chunk.responseId, chunk.modelVersion);
    }
    const candidate = chunk.candidates?.[0];
    const parts = candidate?.content?.parts;
    if (parts) for (let i = 0; i < parts.length; i++) this.part(parts[i]!);
    if (chunk.usageMetadata) this.usage(chunk.usageMetadata);
    const raw = candidate?.finishReason;
    if (typeof raw === 'string') {
      this.done = true;
      this.endStreamedCall();
      w.finish(mapGeminiFinishReason(raw, w.callCount > 0), raw);
    } else if (typeof chunk.promptFeedback?.blockReason === 'string') {
      this.done = true;
      w.finish('content-filter', chunk.promptFeedback.blockReason);
    }
  }

  /** After the last chunk: a response that gave no finish ends with finish `other` (the non-streaming path). */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.endStreamedCall();
    this.w.finish('other');
  }

  private part(part: GeminiPartWire): void {
    const w = this.w;
    const signature = part.thoughtSignature;
    const text = part.text;
    if (typeof text === 'string' && part.thought === true) {
      w.reasoning(text);
      w.signature(signature);
      return;
    }
    w.signature(signature);
    if (typeof text === 'string') w.text(text);
    else if (part.functionCall) this.functionCall(part.functionCall);
  }

  private functionCall(call: GeminiFunctionCallWire): void {
    const w = this.w;
    const streamed = this.streamed;
    if (streamed === undefined) {
      if (call.willContinue !== true && call.partialArgs === undefined) {
        w.wholeCall(this.idOf(call, w.callCount), call.name, JSON.stringify(call.args ?? {}));
        return;
      }
      w.startCall(STREAMED_CALL, this.idOf(call, w.callCount), call.name);
      this.streamed = new PartialArgs();
    }
    const args = this.streamed!;
    const pieces = call.partialArgs;
    if (pieces !== undefined) for (let i = 0; i < pieces.length; i++) args.apply(pieces[i]!);
    if (call.args !== null && typeof call.args === 'object') Object.assign(args.value, call.args);
    if (call.willContinue !== true) this.endStreamedCall();
  }

  /** Writes the streamed call's assembled arguments and ends it. */
  private endStreamedCall(): void {
    const streamed = this.streamed;
    if (streamed === undefined) return;
    this.streamed = undefined;
    this.w.callArgs(STREAMED_CALL, JSON.stringify(streamed.value));
    this.w.endCall(STREAMED_CALL);
  }

  private idOf(call: GeminiFunctionCallWire, index: number): string {
    if (typeof call.id === 'string' && call.id.length !== 0) return call.id;
    return this.callId !== undefined ? this.callId(index, this.responseId) : `${this.responseId ?? 'gemini'}-call-${index}`;
  }

  private usage(metadata: GeminiUsageLike): void {
    const usage = geminiUsage(metadata);
    if (usage === undefined || sameUsage(usage, this.lastUsage)) return;
    this.lastUsage = usage;
    this.w.usage(usage);
  }
}
