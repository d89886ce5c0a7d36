/**
 * Values that reach HTTP headers: anything taken from a request or an upstream is encoded
 * first, so no byte a client or provider chose can break a header (Node throws on non-Latin-1
 * characters and CR/LF, and a thrown header kills the answer). @internal
 * @module
 */
import { causeChain } from '../core/error-classification.ts';

/** Longest header value the gateway writes, in characters. */
export const MAX_HEADER_VALUE_LENGTH = 1024;

/**
 * `text` safe for a header value: printable ASCII kept (except `%`), everything else (non-ASCII,
 * control characters, CR, LF) percent-encoded as UTF-8; cut to
 * {@link MAX_HEADER_VALUE_LENGTH} characters with a trailing `…` marker (`%E2%80%A6`).
 */
export function headerValue(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += code >= 0x20 && code <= 0x7e && ch !== '%' ? ch : encodeURIComponent(ch) || '%3F';
    if (out.length > MAX_HEADER_VALUE_LENGTH) return `${out.slice(0, MAX_HEADER_VALUE_LENGTH)}%E2%80%A6`;
  }
  return out;
}

/** Upstream response headers that a client of the gateway needs to see on an error. */
const FORWARDED = ['retry-after', 'retry-after-ms', 'x-request-id'] as const;

/**
 * The upstream's `retry-after`, `retry-after-ms` and `x-request-id` (Anthropic's `request-id`
 * becomes `x-request-id`), found on the SDK error in `error`'s cause chain, encoded for a header.
 * Empty when there is none.
 */
export function upstreamErrorHeaders(error: unknown): Record<string, string> {
  for (const e of causeChain(error)) {
    const headers = (e as { headers?: unknown }).headers;
    const get =
      headers !== null && typeof headers === 'object' && typeof (headers as { get?: unknown }).get === 'function'
        ? (name: string) => (headers as { get(name: string): string | null }).get(name)
        : headers !== null && typeof headers === 'object'
          ? (name: string) => {
              const value = (headers as Record<string, unknown>)[name];
              return typeof value === 'string' ? value : null;
            }
          : undefined;
    if (get === undefined) continue;
    const out: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = get(name);
      if (value) out[name] = headerValue(value);
    }
    const anthropicId = get('request-id');
    if (out['x-request-id'] === undefined && anthropicId) out['x-request-id'] = headerValue(anthropicId);
    if (Object.keys(out).length > 0) return out;
  }
  return {};
}
