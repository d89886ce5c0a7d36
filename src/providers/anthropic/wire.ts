/**
 * The Anthropic Messages wire as rxllm reads it: a limited version of the schema (stream events
 * and the `Message` object), focused on the fields the decoders read. No `any`.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */

/** rxllm's provider name for the Messages API. */
export const ANTHROPIC_PROVIDER = 'anthropic';

/** The usage fields Anthropic sends in `message_start`, `message_delta` and a `Message`. */
export interface AnthropicUsageLike {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly output_tokens_details?: { readonly thinking_tokens?: number | null } | null;
}

/** A content block, as `content_block_start` opens it or as a `Message` holds it. */
export interface AnthropicBlockWire {
  readonly type?: string;
  readonly text?: string;
  readonly thinking?: string;
  readonly signature?: string;
  /** `redacted_thinking`: the opaque data. */
  readonly data?: string;
  /** `tool_use`. */
  readonly id?: string;
  readonly name?: string;
  readonly input?: unknown;
}

/** A `content_block_delta`'s `delta`. */
export interface AnthropicBlockDeltaWire {
  readonly type?: string;
  readonly text?: string;
  readonly thinking?: string;
  readonly signature?: string;
  readonly partial_json?: string;
}

/** A `Message` (the non-streaming response, and `message_start`'s `message`). */
export interface AnthropicMessageWire {
  readonly id?: string;
  readonly model?: string;
  readonly content?: readonly AnthropicBlockWire[] | null;
  readonly stop_reason?: string | null;
  readonly usage?: AnthropicUsageLike | null;
}

/** One stream event (every type in one interface; each type sets its own fields). */
export interface AnthropicEventWire {
  readonly type?: string;
  /** The content block's index (`content_block_*`). */
  readonly index?: number;
  readonly content_block?: AnthropicBlockWire | null;
  /** `content_block_delta`'s delta, or `message_delta`'s `{ stop_reason }`. */
  readonly delta?: (AnthropicBlockDeltaWire & { readonly stop_reason?: string | null }) | null;
  readonly message?: AnthropicMessageWire | null;
  readonly usage?: AnthropicUsageLike | null;
  readonly error?: unknown;
}
