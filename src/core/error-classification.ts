/**
 * How rxllm classifies failures, in one place for every provider: the cause chain, which HTTP
 * statuses are worth retrying, which network failures mean "the connection failed", the
 * truncation error, and the wording of rxllm's messages (a provider's own message, then what to
 * do). Provider-specific recognition (an SDK's error classes, a provider's error payloads) stays
 * in the provider's `errors.ts` and builds on this. @internal
 *
 * @module
 */
import { StreamTruncatedError } from './errors.ts';

/**
 * `text` (a provider's or SDK's error message) without surrounding whitespace and trailing full
 * stops, so an rxllm message can go on after it with `. ` and not end up with `..`
 * ("Connection error." → "Connection error").
 */
export function clause(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 46 /* . */ || text.charCodeAt(end - 1) <= 32)) end--;
  return text.slice(0, end).trimStart();
}

/** How deep a `cause` chain is followed: SDK error → fetch error → socket error fits with room. */
const MAX_CAUSE_DEPTH = 8;

/**
 * `error`, then its `cause`, its cause's `cause`, … (at most 8 links, stopping at a cycle or a
 * value that is not an object). An `AggregateError`'s `errors` follow it (Node's happy-eyeballs
 * connect failure holds one per address).
 */
export function* causeChain(error: unknown): Generator<object> {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    yield current;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors.slice(0, MAX_CAUSE_DEPTH)) if (typeof inner === 'object' && inner !== null) yield inner;
    const next = (current as { cause?: unknown }).cause;
    if (next === current) return;
    current = next;
  }
}

/**
 * The message of the innermost `cause` of `error`, when it has one that differs from `error`'s
 * own: the network error under an SDK's "Connection error." (`connect ECONNREFUSED
 * 127.0.0.1:8080`). `undefined` otherwise.
 */
export function rootCause(error: unknown): string | undefined {
  let innermost: string | undefined;
  let first = true;
  for (const e of causeChain(error)) {
    if (first) {
      first = false;
      continue;
    }
    if (e instanceof Error) innermost = e.message;
  }
  return innermost === undefined || innermost === (error as Error | undefined)?.message ? undefined : innermost;
}

/**
 * Whether a request that failed with this HTTP status may succeed if sent again: 408, 409, 429
 * and every 5xx (incl. Anthropic's 529 overload): the official SDKs' retry rule (openai-node and
 * anthropic-sdk-typescript `shouldRetry`).
 */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * Node and undici error codes of a connection that failed (refused, reset, timed out, host not
 * found): the one list every provider uses.
 */
export const CONNECTION_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The codes of {@link CONNECTION_FAILURE_CODES} that mean the server was never reached (refused, not found, no route, connect timeout). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The first code of `codes` (default {@link CONNECTION_FAILURE_CODES}) in `error`'s cause chain
 * (an `AggregateError`'s errors included), or `undefined`.
 */
export function connectionFailureCode(error: unknown, codes: ReadonlySet<string> = CONNECTION_FAILURE_CODES): string | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return code;
  }
  return undefined;
}

/**
 * Whether `error` means the connection failed (so the same request may succeed later): a
 * connection-failure code anywhere in the cause chain, the SDKs' `APIConnectionError` /
 * `APIConnectionTimeoutError`, fetch's `TypeError: fetch failed` / `terminated`, or a timeout
 * (`TimeoutError`, `RequestTimeout`). An abort is never one.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const name = (e as { name?: unknown }).name;
    const className = (e as object).constructor?.name;
    if (name === 'AbortError' || className === 'APIUserAbortError') return false;
    if (className === 'APIConnectionError' || className === 'APIConnectionTimeoutError') return true;
    if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
    if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'RequestTimeoutException') return true;
    if (name === 'TypeError' && ((e as Error).message === 'fetch failed' || (e as Error).message === 'terminated')) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_FAILURE_CODES.has(code)) return true;
  }
  return false;
}

/** `Name: message: cause message`, for quoting an error inside an rxllm message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}

/**
 * The {@link StreamTruncatedError} of a stream that ended before the provider's terminal event
 * (`terminal`: `data: [DONE]`, `message_stop`, …); `what` says how (`the body ended`, `the
 * connection failed (…)`).
 */
export function truncatedError(provider: string, terminal: string, what: string, cause?: unknown): StreamTruncatedError {
  return new StreamTruncatedError(
    `${provider} stream ended before its terminal event (${terminal}): ${what}. ` + 'What had arrived is in `partial`; retrying repeats the whole request.',
    { provider, cause },
  );
}

/** What to do after an HTTP error, for the end of an rxllm message. */
export function statusAdvice(status: number | undefined, retryable: boolean): string {
  if (status === 401 || status === 403) return 'Check the API key and its permissions.';
  if (retryable) return 'Sending the request again may succeed (after a pause for 429 and overload).';
  return 'Fix the request; sending it again unchanged will not help.';
}

/**
 * What to do after a `StreamingUnsupportedError`, for the end of its message; `nonStreaming` names
 * the provider's non-streaming call (`` `{ stream: false }` ``).
 */
export function streamingUnsupportedAdvice(nonStreaming: string): string {
  return `Send it without streaming (${nonStreaming}), or pipe the stream through \`fallbackToNonStreaming\`.`;
}
