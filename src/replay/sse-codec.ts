/**
 * What the SSE providers' replay codecs share: one recorded event as an SSE block, and a
 * byte-exact SSE body split into its events. Node-only, internal. @internal
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { RecordedDecoder, ReplayEvent } from '../sources/provider-adapter.ts';

const utf8 = new TextEncoder();

/** One recorded event `{ event?, data, comment? }` as an SSE block, lines ended by `eol` (`\n`, or `\r\n` as Gemini sends). */
export function encodeSSEEvent(event: ReplayEvent, eol: '\n' | '\r\n' = '\n'): Uint8Array {
  const e = event as { event?: string; data?: unknown; comment?: string };
  let block = '';
  if (e.comment !== undefined) block += `: ${e.comment}${eol}`;
  if (e.event !== undefined) block += `event: ${e.event}${eol}`;
  if (e.data !== undefined) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    for (const line of data.split('\n')) block += `data: ${line}${eol}`;
  }
  return utf8.encode(block + eol);
}

/** Splits a byte-exact recorded SSE body into its events, at blank lines (LF or CRLF). */
export function splitSSEBody(body: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    // an event ends at "\n\n" or "\r\n\r\n"
    if (body[i] === 0x0a && (body[i + 1] === 0x0a || (body[i + 1] === 0x0d && body[i + 2] === 0x0a))) {
      const end = body[i + 1] === 0x0a ? i + 2 : i + 3;
      parts.push(body.subarray(start, end));
      start = end;
      i = end - 1;
    }
  }
  if (start < body.length) parts.push(body.subarray(start));
  return parts;
}

/** The `content-type` of an SSE body. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** `{ 'content-type': 'application/json' }`. */
export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** A recorded SSE event's `data` as the text the wire carried. */
export function dataOf(event: ReplayEvent): string {
  const data = (event as { data?: unknown }).data;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/** The decoder of recorded SSE events over an SSE mapper (`onEvent` per event, `done` at the terminal event). */
export function sseDecoder(mapper: { onEvent(e: EventSourceMessage): void; readonly done: boolean }, provider: string, terminal: string): RecordedDecoder {
  return {
    feed: (event) => {
      const e = event as { event?: string; id?: string };
      mapper.onEvent({ event: e.event, id: e.id, data: dataOf(event) });
    },
    get done() {
      return mapper.done;
    },
    provider,
    terminal,
  };
}

/** The object a recorded event's `data` holds, or `undefined`. */
export function objectOf(data: unknown): Record<string, unknown> | undefined {
  return data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : undefined;
}
