/**
 * Gemini API errors → rxllm's typed errors: `@google/genai`'s `ApiError` (HTTP errors and
 * in-stream error chunks), the SDK's JSON and body errors, and dropped connections.
 *
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 * @module
 */
import { MalformedChunkError, ProviderError, RxllmError, StreamTruncatedError } from '../../core/errors.ts';
import { clause, describeError, isConnectionFailure, statusAdvice } from '../../core/error-classification.ts';

const PROVIDER = 'google';

/**
 * Whether a Gemini API error with this HTTP status may succeed if sent again: 408, 429
 * (`RESOURCE_EXHAUSTED`) and every 5xx (`INTERNAL`, `UNAVAILABLE`, `DEADLINE_EXCEEDED`), the
 * codes `@google/genai` itself retries when `httpOptions.retryOptions` is set.
 */
export function isRetryableGeminiStatus(status: number | undefined): boolean {
  return status === 408 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * An error object as the Gemini API sends it, in an HTTP error body or as a chunk of the
 * stream: `{ code: 503, message: '…', status: 'UNAVAILABLE' }`. `code` (the HTTP status) goes to
 * `status`, `status` (the google.rpc code name) to `code`. `inStream`: the error came as a chunk
 * after the response started (the message says so).
 */
export function geminiApiError(error: any, cause: unknown = error, inStream = false): ProviderError {
  const status: number | undefined = typeof error?.code === 'number' ? error.code : undefined;
  const code: string | undefined = typeof error?.status === 'string' ? error.status : undefined;
  const detail: string = typeof error?.message === 'string' ? error.message : JSON.stringify(error);
  const retryable = isRetryableGeminiStatus(status);
  const what = [status === undefined ? '' : `HTTP ${status}`, code ?? ''].filter((s) => s !== '').join(' ');
  const head = inStream
    ? `google reported an error mid-response${what === '' ? '' : ` (${what})`}`
    : `google request failed${status !== undefined ? ` with HTTP ${status}` : ''}${code ? ` ${code}` : ''}`;
  return new ProviderError(
    `${head}: ${clause(detail)}. ${statusAdvice(status, retryable)}${inStream ? ' What had arrived is in `partial`.' : ''}`,
    { provider: PROVIDER, status, code, retryable, cause },
  );
}

/**
 * Maps an error thrown by `@google/genai` (or by fetch under it) to a typed rxllm error.
 * `phase` says whether the response had started (`'response'`: the HTTP 200 came and chunks
 * were being read) or not (`'request'`).
 *
 * - `ApiError` (HTTP error, or an in-stream `{"error": {…}}` chunk, which the SDK turns into an
 *   `ApiError` whose message is `got status: UNAVAILABLE. {json}`): `ProviderError` with
 *   `status`, `code` = the error's status name (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …) and
 *   `retryable` ({@link isRetryableGeminiStatus});
 * - a chunk the SDK could not parse as JSON (`SyntaxError`): `MalformedChunkError`; the SDK does
 *   not keep the chunk's text, so `line` holds the parser's message;
 * - in the response: a dropped connection (fetch's `TypeError: terminated`) or a body that ended
 *   inside a chunk (`Incomplete JSON segment at the end`): `StreamTruncatedError`;
 * - before the response: a connection failure (`TypeError: fetch failed`): retryable
 *   `ProviderError`; anything else: non-retryable `ProviderError`.
 *
 * `ApiError` is recognised by shape (`name`, numeric `status`), not `instanceof`.
 */
export function mapGoogleError(error: unknown, phase: 'request' | 'response'): RxllmError {
  if (error instanceof RxllmError) return error;
  const e = (error instanceof Error ? error : new Error(String(error))) as Error & { status?: unknown };
  if (e.name === 'ApiError' && typeof e.status === 'number') {
    const body = parseApiErrorMessage(e.message);
    // a non-JSON error body makes the SDK put the HTTP reason phrase in `status`: keep only google.rpc names
    const name = body?.status !== undefined && /^[A-Z_]+$/.test(body.status) ? body.status : undefined;
    return geminiApiError({ code: e.status, status: name, message: body?.message ?? e.message }, error, phase === 'response');
  }
  if (e.name === 'SyntaxError') {
    return new MalformedChunkError(
      `google sent a ${phase === 'response' ? 'chunk' : 'response'} that is not valid JSON (${e.message}). ` +
        'The stream was stopped; what had arrived is in `partial`.',
      { provider: PROVIDER, line: e.message, cause: error },
    );
  }
  if (phase === 'response' && (isConnectionFailure(e) || e.message === 'Incomplete JSON segment at the end' || e.message === 'Response body is empty')) {
    return new StreamTruncatedError(
      `google stream ended before its terminal event (a chunk with finishReason): ${describeError(e)}. ` +
        'What had arrived is in `partial`; retrying repeats the whole request.',
      { provider: PROVIDER, cause: error },
    );
  }
  if (phase === 'request' && isConnectionFailure(e)) {
    return new ProviderError(
      `google request failed before a response arrived (${describeError(e)}). Check the network and httpOptions.baseUrl; sending the request again may succeed.`,
      { provider: PROVIDER, retryable: true, cause: error },
    );
  }
  return new ProviderError(`google request failed: ${clause(describeError(e))}. Check the client's configuration and the network; the error is in \`cause\`.`, {
    provider: PROVIDER,
    retryable: false,
    cause: error,
  });
}

/**
 * The error object inside an `ApiError` message: the SDK writes the HTTP error body as JSON
 * (`{"error":{…}}`), or `got status: NAME. {json}` for an in-stream error chunk.
 */
function parseApiErrorMessage(message: string): { status?: string; message?: string } | undefined {
  const json = message.startsWith('got status: ') ? message.slice(message.indexOf('{')) : message;
  try {
    const body = JSON.parse(json) as { error?: { status?: string; message?: string } };
    return body?.error;
  } catch {
    return undefined;
  }
}

