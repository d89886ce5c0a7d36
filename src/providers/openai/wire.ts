/**
 * The OpenAI Chat Completions wire as rxllm reads it: a limited version of the schema, focused
 * on the fields the decoders read (also those OpenAI-compatible servers add). No `any`.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @see https://platform.openai.com/docs/api-reference/chat/object
 * @module
 */
import type { TokenLogprob } from '../../core/delta.ts';

/** rxllm's provider name for Chat Completions (also for compatible servers reached via `baseURL`). */
export const CHAT_PROVIDER = 'openai';

/** The terminal event of a Chat Completions stream, named in truncation errors. */
export const CHAT_TERMINAL = 'data: [DONE]';

/** The parts of a `chat.completion.chunk` that rxllm reads. */
export interface ChatChunkWire {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly ChatChoiceWire[] | null;
  readonly usage?: ChatUsageWire | null;
  /** OpenRouter sends a mid-stream error as a chunk with this field. */
  readonly error?: unknown;
  /** rxllm's extension: the response restarts (see `ResetDelta`); written by `toChatCompletionChunks`. */
  readonly rxllm_reset?: { readonly reason?: unknown } | null;
}

/** One choice of a chunk. */
export interface ChatChoiceWire {
  readonly index?: number;
  readonly delta?: ChatDeltaWire | null;
  readonly finish_reason?: string | null;
  readonly logprobs?: ChatLogprobsWire | null;
}

/** A choice's `logprobs`: the tokens of this chunk's `content` and `refusal`. */
export interface ChatLogprobsWire {
  readonly content?: readonly TokenLogprob[] | null;
  readonly refusal?: readonly TokenLogprob[] | null;
}

/**
 * One part of a `content` sent as an array (Mistral's reasoning models: `text` parts and
 * `thinking` parts whose `thinking` is text or an array of text parts).
 */
export interface ChatContentPartWire {
  readonly type?: string;
  readonly text?: string | null;
  readonly thinking?: string | readonly { readonly type?: string; readonly text?: string | null }[] | null;
}

/** A chunk's `delta`, or a completion's `message` (same field names). */
export interface ChatDeltaWire {
  readonly content?: string | readonly ChatContentPartWire[] | null;
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
  readonly refusal?: string | null;
  readonly tool_calls?: readonly ChatToolCallWire[] | null;
  /** The deprecated `functions` API: one call, mapped as tool call 0 with an empty id. */
  readonly function_call?: ChatFunctionWire | null;
}

/** A tool call fragment (streaming) or a whole tool call (a completion's message). */
export interface ChatToolCallWire {
  readonly index?: number;
  readonly id?: string | null;
  readonly function?: ChatFunctionWire | null;
}

/** A function call's name and (a fragment of) its JSON arguments. */
export interface ChatFunctionWire {
  readonly name?: string | null;
  readonly arguments?: string | null;
}

/** Chat Completions `usage`, with DeepSeek's `prompt_cache_hit_tokens`. */
export interface ChatUsageWire {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
  readonly prompt_cache_hit_tokens?: number | null;
}

/** The parts of a non-streaming `chat.completion` that rxllm reads. */
export interface ChatCompletionWire {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly ChatCompletionChoiceWire[] | null;
  readonly usage?: ChatUsageWire | null;
}

/** One choice of a `chat.completion`. */
export interface ChatCompletionChoiceWire {
  readonly index?: number;
  readonly message?: ChatDeltaWire | null;
  readonly finish_reason?: string | null;
  readonly logprobs?: ChatLogprobsWire | null;
}

// ---- What rxllm writes (toChatCompletionChunks, the gateway): the same wire, complete objects ----

/** One `chat.completion.chunk` as OpenAI streams it. */
export interface ChatCompletionChunk {
  /** The completion's id, the same on every chunk of one response (`chatcmpl-…`). */
  readonly id: string;
  readonly object: 'chat.completion.chunk';
  /** Unix time of the completion's creation, in seconds; the same on every chunk. */
  readonly created: number;
  readonly model: string;
  /** One entry per choice; empty on the final usage chunk. */
  readonly choices: readonly ChatCompletionChunkChoice[];
  /**
   * Present only when the request asked for `stream_options: { include_usage: true }`: `null` on
   * every chunk but the last, which carries the counts and an empty `choices`.
   */
  readonly usage?: ChatCompletionUsage | null;
  /**
   * rxllm's extension, on a chunk with empty `choices`: the response restarts and everything
   * sent before is void (a `reset` delta, see `ResetDelta`). OpenAI clients ignore the field;
   * `fromSSE` reads it back.
   */
  readonly rxllm_reset?: { readonly reason: string };
}

/** One choice of a chunk. rxllm writes a single choice, `index: 0`. */
export interface ChatCompletionChunkChoice {
  readonly index: number;
  readonly delta: ChatCompletionChunkDelta;
  /** The log probabilities of this chunk's tokens, when the source carried them (`TextDelta.logprobs`); else `null`. */
  readonly logprobs: ChatCompletionLogprobs | null;
  /** `stop`, `length`, `tool_calls`, `content_filter`, or another value on the finish chunk; `null` before. */
  readonly finish_reason: string | null;
}

/** A choice's `logprobs`: the tokens of the chunk's `content` or `refusal`, the other `null`. */
export interface ChatCompletionLogprobs {
  readonly content: readonly TokenLogprob[] | null;
  readonly refusal: readonly TokenLogprob[] | null;
}

/** What a chunk adds to the message. */
export interface ChatCompletionChunkDelta {
  /** `assistant`, on the first chunk only. */
  readonly role?: 'assistant';
  /** A fragment of the visible answer; `null` on a first chunk that starts with something else. */
  readonly content?: string | null;
  /** A fragment of a refusal; `null` on the first chunk when the answer is not one (as OpenAI sends it). */
  readonly refusal?: string | null;
  /** A fragment of the reasoning (the DeepSeek / vLLM / xAI extension OpenAI-compatible clients read). */
  readonly reasoning_content?: string;
  readonly tool_calls?: readonly ChatCompletionChunkToolCall[];
}

/** A tool call fragment: `id`, `type` and `function.name` on its first fragment, then `function.arguments` pieces. */
export interface ChatCompletionChunkToolCall {
  /** The call's position among the response's tool calls (0, 1, …). */
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

/** Token counts of the whole request (the final chunk when `include_usage` was asked for). */
export interface ChatCompletionUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details?: { readonly cached_tokens: number };
  readonly completion_tokens_details?: { readonly reasoning_tokens: number };
}

/**
 * An OpenAI-shaped error, as sent in-stream (`data: {"error":{…}}`) and as the JSON body of an
 * HTTP error. `status_code` carries the HTTP status of the failure when known (as Groq does in
 * its in-stream error events); `code` keeps the provider's error code.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: string | null;
    readonly param: null;
    readonly status_code?: number;
  };
}
