/**
 * Server-sent event frames: one JSON value per event, the `[DONE]` terminator, and the
 * OpenAI-shaped error body. Shared by `toServerSentEvents`, `toSSEResponse` and the Node handler.
 * @internal
 * @module
 */
import {
  BufferOverflowError,
  IdleTimeoutError,
  MalformedChunkError,
  ProviderError,
  RxllmError,
  StreamingUnsupportedError,
  StreamTruncatedError,
} from '../core/errors.ts';
import type { OpenAIErrorBody } from './wire.ts';

/** The frame that ends every OpenAI chat stream. */
export const DONE_FRAME = 'data: [DONE]\n\n';

/**
 * One SSE event carrying `value` as JSON on a single `data:` line, with an optional `id:` line.
 *
 * JSON escapes CR and LF inside strings, so no content can end the line or the event early, and
 * a string `"[DONE]"` stays quoted. U+2028 / U+2029 (legal in JSON, line breaks to some JS line
 * splitters) are escaped too. Lone surrogates are escaped by `JSON.stringify` (well-formed JSON,
 * ES2019), so the UTF-8 on the wire is valid.
 *
 * @throws TypeError when `value` has no JSON form (`undefined`, a function), or what
 * `JSON.stringify` throws (a BigInt, a cycle).
 */
export function dataFrame(value: unknown, id: string | undefined): string {
  let json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`SSE: ${typeof value} has no JSON form; emit objects, arrays, strings, numbers, booleans or null.`);
  if (json.indexOf('\u2028') !== -1 || json.indexOf('\u2029') !== -1) {
    json = json.replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
  }
  return id === undefined ? `data: ${json}\n\n` : `id: ${id}\ndata: ${json}\n\n`;
}

/**
 * Checks an event id: the SSE spec ignores an `id:` field containing NUL, and CR/LF would end it.
 * @throws TypeError naming the bad id.
 */
export function checkEventId(id: string): string {
  if (id.includes('\n') || id.includes('\r') || id.includes('\0')) {
    throw new TypeError(`SSE: event id ${JSON.stringify(id)} contains CR, LF or NUL; ids must be one line without NUL.`);
  }
  return id;
}

/** The `retry:` field (reconnection time in ms) as its own frame-less line block. */
export function retryField(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError(`SSE: retry must be a non-negative integer of ms, got ${ms}.`);
  return `retry: ${ms}\n\n`;
}

/**
 * The OpenAI-shaped body of an error: a {@link ProviderError} keeps its message, `code` and HTTP
 * status (`status_code`) (a `StreamingUnsupportedError` without a code gets
 * `streaming_unsupported`); other rxllm errors keep their message with a snake_case code
 * (`idle_timeout`, `stream_truncated`, …); any other error is reported without its message
 * (it may hold server internals) as `internal_error`.
 */
export function defaultErrorBody(error: unknown): OpenAIErrorBody {
  if (error instanceof ProviderError) {
    const body: { message: string; type: string; code: string | null; param: null; status_code?: number } = {
      message: error.message,
      type: errorType(error.status),
      code: error.code ?? (error instanceof StreamingUnsupportedError ? 'streaming_unsupported' : null),
      param: null,
    };
    if (error.status !== undefined) body.status_code = error.status;
    return { error: body };
  }
  if (error instanceof RxllmError) {
    return { error: { message: error.message, type: 'server_error', code: rxllmErrorCode(error), param: null } };
  }
  return {
    error: { message: 'The server failed while streaming the response.', type: 'server_error', code: 'internal_error', param: null },
  };
}

/**
 * The HTTP status to answer with when a stream fails before its first event: a
 * {@link ProviderError}'s own 4xx/5xx status, else 502 for an upstream failure (a ProviderError
 * without status, a truncated or malformed upstream stream), 504 for an idle timeout, 500 otherwise.
 */
export function errorStatus(error: unknown): number {
  if (error instanceof ProviderError) return error.status !== undefined && error.status >= 400 && error.status <= 599 ? error.status : 502;
  if (error instanceof StreamTruncatedError || error instanceof MalformedChunkError) return 502;
  if (error instanceof IdleTimeoutError) return 504;
  return 500;
}

/** OpenAI-style error `type` for an HTTP status. */
function errorType(status: number | undefined): string {
  if (status === undefined || status >= 500) return 'server_error';
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    default:
      return 'invalid_request_error';
  }
}

function rxllmErrorCode(error: RxllmError): string {
  if (error instanceof IdleTimeoutError) return 'idle_timeout';
  if (error instanceof StreamTruncatedError) return 'stream_truncated';
  if (error instanceof MalformedChunkError) return 'malformed_chunk';
  if (error instanceof BufferOverflowError) return 'buffer_overflow';
  return 'rxllm_error';
}
