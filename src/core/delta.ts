/**
 * The one normalized event type that every rxllm source emits, and the snapshot that
 * `accumulate()` builds from a stream of them.
 *
 * Rules every source keeps (see DESIGN.md):
 * - deltas, never accumulated text: a `text` delta carries only what is new;
 * - order is the provider's order; empty fragments are not emitted, with one exception: a
 *   reasoning signature always arrives alone, as a `reasoning` delta with empty `text` and the
 *   `signature` (see {@link ReasoningDelta}); no source holds text back to attach it;
 * - a source completes only after a `finish` delta.
 *
 * @module
 */

/**
 * Why the provider ended the response, normalized across providers.
 *
 * - `stop`: a natural end or a stop sequence (OpenAI `stop`, Anthropic `end_turn` / `stop_sequence`,
 *   Gemini `STOP`, Bedrock `end_turn` / `stop_sequence`);
 * - `length`: the output token limit was reached (`length`, `max_tokens`, `MAX_TOKENS`);
 * - `tool-calls`: the model wants tools called (`tool_calls`, `tool_use`);
 * - `content-filter`: output withheld by a safety filter or a refusal (`content_filter`, `refusal`, `SAFETY`, …);
 * - `error`: the provider itself reported a failed response;
 * - `other`: anything else; the provider's own value is kept in `FinishDelta.raw`.
 */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

/** Token counts of one response. Every field is a count of tokens; absent when the provider did not say. */
export interface Usage {
  /** Prompt tokens, including cached ones. */
  readonly inputTokens?: number;
  /** Generated tokens, including reasoning tokens. */
  readonly outputTokens?: number;
  /** Generated tokens spent on reasoning (a part of `outputTokens`). */
  readonly reasoningTokens?: number;
  /** Prompt tokens served from the provider's prompt cache (a part of `inputTokens`). */
  readonly cachedInputTokens?: number;
}

/** First event of a response: who answers. */
export interface MetadataDelta {
  readonly type: 'metadata';
  /** rxllm's provider name: `openai`, `openai-responses`, `anthropic`, `google`, `bedrock`, … */
  readonly provider: string;
  /** The provider's response id, when it gives one. */
  readonly id?: string;
  /** The model that answers, as the provider names it. */
  readonly model?: string;
}

/**
 * The log probability of one token, in OpenAI Chat Completions' own shape (`choices[].logprobs.content[]`),
 * passed through as the provider sent it: `bytes` is the token's UTF-8 bytes (or `null`),
 * `top_logprobs` the most likely tokens at that position (as many as the request's `top_logprobs`).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: readonly number[] | null;
  readonly top_logprobs: readonly { readonly token: string; readonly logprob: number; readonly bytes: readonly number[] | null }[];
}

/**
 * A fragment of the visible answer (never empty). `logprobs` is set when the request asked for
 * log probabilities (OpenAI `logprobs: true`) and the provider sent them with this fragment: the
 * tokens of this fragment, in order.
 */
export interface TextDelta {
  readonly type: 'text';
  readonly text: string;
  readonly logprobs?: readonly TokenLogprob[];
}

/**
 * A fragment of a refusal that the provider sent apart from the answer (OpenAI Chat
 * `delta.refusal`, Responses `response.refusal.delta`), never empty. The model declined; the
 * refusal is not part of `Snapshot.text`, and the finish reason stays the provider's own
 * (`stop`). `logprobs` as on {@link TextDelta} (`logprobs.refusal` on the wire).
 */
export interface RefusalDelta {
  readonly type: 'refusal';
  readonly text: string;
  readonly logprobs?: readonly TokenLogprob[];
}

/**
 * A fragment of the model's thinking or reasoning summary, or a reasoning signature.
 *
 * A signature (Anthropic `signature_delta`, Bedrock `reasoningContent.signature`, Gemini
 * `thoughtSignature`), which a caller needs to send the thinking back, comes in a delta of its
 * own: `{ type: 'reasoning', text: '', signature }`, at the place the provider sends it (after
 * the thinking it signs; Gemini: on the part after the thoughts). Every source, streaming or
 * not (`stream: false`), keeps this one rule: `signature` is never set on a delta with text, and
 * no reasoning text is held back to carry it. It is the only empty fragment a source emits.
 * (Operators may join fragments: `bufferTokens` emits the joined text with the signature that
 * ended the group.)
 *
 * `redacted` marks an encrypted block whose `text` is the opaque data (Anthropic
 * `redacted_thinking`, Bedrock `redactedContent` as base64); such text is not part of
 * `Snapshot.reasoning`.
 */
export interface ReasoningDelta {
  readonly type: 'reasoning';
  readonly text: string;
  readonly signature?: string;
  readonly redacted?: boolean;
}

/** A tool call begins. `index` is the call's position in this response (0-based). */
export interface ToolCallStartDelta {
  readonly type: 'tool-call-start';
  readonly index: number;
  readonly id: string;
  readonly name: string;
}

/** A fragment of a tool call's JSON arguments. */
export interface ToolCallArgsDelta {
  readonly type: 'tool-call-delta';
  readonly index: number;
  readonly argsText: string;
}

/** The tool call's arguments are complete. */
export interface ToolCallEndDelta {
  readonly type: 'tool-call-end';
  readonly index: number;
}

/** Token counts; may come more than once per response, later values win field by field. */
export interface UsageDelta extends Usage {
  readonly type: 'usage';
}

/** The provider said the response is over. `raw` keeps the provider's own value. */
export interface FinishDelta {
  readonly type: 'finish';
  readonly reason: FinishReason;
  readonly raw?: string;
}

/**
 * Everything before this delta is void: the response starts over (a restart after an error
 * mid-answer, by `retryStream` or `fallbackTo` with `mode: 'restart'`). Not a content delta, and
 * no source emits it: operators that recover insert it. Every operator rolls back on it:
 * `accumulate` to an empty snapshot, `bufferTokens` drops what it holds, `splitReasoning`,
 * `partialJson`, `jsonPatches` and `toolCallArgs` restart, `toolCalls` forgets its open calls.
 * `reason` says why, for logs (`retry`, `fallback`). Over the wire (`toChatCompletionChunks` /
 * `fromSSE`) it travels as rxllm's extension chunk `{ "choices": [], "rxllm_reset": { "reason" } }`.
 */
export interface ResetDelta {
  readonly type: 'reset';
  readonly reason: string;
}

/** One normalized streaming event, discriminated on `type`. */
export type Delta =
  | MetadataDelta
  | TextDelta
  | RefusalDelta
  | ReasoningDelta
  | ToolCallStartDelta
  | ToolCallArgsDelta
  | ToolCallEndDelta
  | UsageDelta
  | FinishDelta
  | ResetDelta;

/** The `type` of a {@link Delta}. */
export type DeltaType = Delta['type'];

/**
 * Where a pure mapper puts its deltas, synchronously and in order: the source's sink, or an
 * array collector (`{ next: (d) => deltas.push(d) }`) when replaying recorded events. Every
 * provider's mapper (`ChatStreamMapper`, `ResponsesStreamMapper`, `AnthropicEventMapper`,
 * `GeminiChunkMapper`, `ConverseStreamMapper`) writes to one.
 */
export interface DeltaSink {
  next(delta: Delta): void;
}

/** One tool call as accumulated so far. */
export interface ToolCallSnapshot {
  /** Position of the call in the response (the `index` of its deltas). */
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** The raw JSON arguments text received so far, exactly as sent. */
  readonly argsText: string;
  /** True once the call's `tool-call-end` arrived. */
  readonly complete: boolean;
  /** The parsed arguments, set once the call is complete and `argsText` parses as JSON (`{}` for empty text). */
  readonly args?: unknown;
  /** Set once the call is complete and `argsText` does not parse: the parser's message. `argsText` is kept. */
  readonly argsError?: string;
}

/** What `accumulate()` emits after each delta: the response so far. */
export interface Snapshot {
  /** The visible answer so far. */
  readonly text: string;
  /** The refusal so far, present once a `refusal` delta arrived (see {@link RefusalDelta}). */
  readonly refusal?: string;
  /** The reasoning so far (redacted blocks excluded, see `redactedReasoning`). */
  readonly reasoning: string;
  /** The last reasoning signature received, if any. */
  readonly reasoningSignature?: string;
  /** Opaque data of redacted reasoning blocks, in order, if any. */
  readonly redactedReasoning?: readonly string[];
  /** Tool calls in the order they started. */
  readonly toolCalls: readonly ToolCallSnapshot[];
  /** Usage merged field by field, later values winning. */
  readonly usage?: Usage;
  /** Set once the `finish` delta arrived. */
  readonly finishReason?: FinishReason;
  /** The provider's own finish value, if any. */
  readonly finishRaw?: string;
  /** From the `metadata` delta. */
  readonly provider?: string;
  readonly id?: string;
  readonly model?: string;
  /** Number of deltas applied. */
  readonly deltaCount: number;
}

/**
 * True for the delta types that carry response content: `text`, `refusal`, `reasoning` and the
 * three tool-call types. `metadata`, `usage`, `finish` and `reset` are not content.
 */
export function isContentDelta(delta: Delta): boolean {
  const t = delta.type;
  return t !== 'metadata' && t !== 'usage' && t !== 'finish' && t !== 'reset';
}
