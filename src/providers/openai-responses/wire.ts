/**
 * The OpenAI Responses API wire as rxllm reads it: a limited version of the schema (stream
 * events and the `Response` object), focused on the fields the decoders read. No `any`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @module
 */

/** rxllm's provider name for the Responses API. */
export const RESPONSES_PROVIDER = 'openai-responses';

/** The terminal events of a Responses stream, named in truncation errors. */
export const RESPONSES_TERMINAL = 'response.completed, response.incomplete, response.failed or error';

/** The parts of a Responses `Response` object that rxllm reads. */
export interface ResponseWire {
  readonly id?: string;
  readonly model?: string;
  readonly status?: string | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
  readonly incomplete_details?: { readonly reason?: string | null } | null;
  readonly output?: readonly OutputItemWire[] | null;
  readonly usage?: ResponseUsageWire | null;
}

/** An output item: a message, a reasoning item or a function call (other kinds are not mapped). */
export interface OutputItemWire {
  readonly type?: string;
  readonly call_id?: string;
  readonly name?: string;
  readonly arguments?: string | null;
  readonly content?: readonly { readonly type?: string; readonly text?: string | null; readonly refusal?: string | null }[] | null;
  readonly summary?: readonly { readonly text?: string | null }[] | null;
}

/** Responses `usage`. */
export interface ResponseUsageWire {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly input_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly output_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
}

/** The fields of the stream events that rxllm reads. */
export interface ResponsesEventWire {
  readonly type?: string;
  readonly delta?: string;
  readonly output_index?: number;
  readonly item?: OutputItemWire;
  readonly arguments?: string;
  readonly response?: ResponseWire;
  readonly error?: unknown;
}
