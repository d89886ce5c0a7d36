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
