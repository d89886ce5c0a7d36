/**
 * Helpers for the text of rxllm's error messages, which quote a provider's or an SDK's own
 * message and then say what to do. @internal
 */

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

/**
 * The message of the innermost `cause` of `error` (at most 8 levels down), when it has one
 * that differs from `error`'s own: the network error under an SDK's "Connection error."
 * (`connect ECONNREFUSED 127.0.0.1:8080`). `undefined` otherwise.
 */
export function rootCause(error: unknown): string | undefined {
  let innermost: string | undefined;
  let e = (error as { cause?: unknown } | null | undefined)?.cause;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) innermost = e.message;
  return innermost === undefined || innermost === (error as Error).message ? undefined : innermost;
}
