/**
 * The OpenAI Chat Completions streaming wire shapes that `rxllm/sse` writes and reads: the
 * `chat.completion.chunk` object and the in-stream error event. Declared here (not imported from
 * the `openai` package) so `rxllm/sse` needs no SDK and runs in browsers.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @module
 */
import type { TokenLogprob } from '../core/delta.ts';

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
