/**
 * Reads a request's JSON body with a size and a nesting limit, for the gateway: one reader for
 * node:http and one for Web `Request`s, with the same checks and errors.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError } from './invalid-request.ts';
import { MAX_BODY_DEPTH } from './parse-chat-request.ts';

/** The default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request body parsed as JSON. When a framework read it already (`req.body`: a parsed value
 * is taken as it is; a string or bytes, from `express.text()` or `raw()`, are checked and parsed
 * here), the stream is not touched. A body over `maxBytes` is read to its end and dropped (so the
 * client, still sending, receives the answer rather than a reset connection). Each chunk is
 * decoded as it arrives and then released ({@link releaseChunk}): what is kept is the text, never
 * the chunks.
 * @throws InvalidRequestError 413 for a body over `maxBytes`, 400 for one that is not JSON,
 * nests deeper than {@link MAX_BODY_DEPTH} levels, or that the client stopped sending.
 */
export function readJSONBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // a framework may have read the body already: parsed (express.json()), or as text or bytes (express.text(), raw())
  const read = (req as IncomingMessage & { body?: unknown }).body;
  if (read !== undefined) {
    return new Promise((resolve) => {
      if (typeof read !== 'string' && !(read instanceof Uint8Array)) return resolve(read);
      const size = typeof read === 'string' ? Buffer.byteLength(read) : read.byteLength;
      if (size > maxBytes) throw tooLargeError(size, maxBytes);
      resolve(parseJSONBody(typeof read === 'string' ? read : new TextDecoder().decode(read)));
    });
  }
  return new Promise((resolve, reject) => {
    // ignoreBOM: a BOM stays in the text (and is refused by JSON.parse), as with Buffer#toString
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let text = '';
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!tooLarge && size > maxBytes) {
        tooLarge = true;
        text = '';
      }
      if (!tooLarge) text += decoder.decode(chunk, { stream: true });
      releaseChunk(req, chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(tooLargeError(size, maxBytes));
      else {
        try {
          resolve(parseJSONBody(text + decoder.decode()));
        } catch (error) {
          reject(error);
        }
      }
    });
    req.on('error', () => reject(new InvalidRequestError('The request body could not be read.')));
    req.on('aborted', () => reject(new InvalidRequestError('The client closed the connection before the request body ended.')));
  });
}

/**
 * Frees the memory of a request body chunk that was read (decoded or dropped) now, rather than
 * at some later garbage collection. node:http copies each chunk of a body into its own
 * malloc'd ArrayBuffer, which only a GC frees, and V8 lets such external garbage reach about
 * 64 MiB before it collects for it: a client sending large (e.g. over-limit) bodies fast makes the
 * process's malloc heap grow by tens of MiB, fragmented and never given back to the system. The
 * chunk's ArrayBuffer is detached (`transfer(0)`), which frees its memory at once; only when the
 * reader is the request's only `data` listener (no one else sees the chunk) and the chunk owns
 * its whole ArrayBuffer (not a slice of a shared pool).
 * @internal
 */
export function releaseChunk(req: IncomingMessage, chunk: Buffer | string): void {
  if (typeof chunk === 'string' || req.listenerCount('data') !== 1) return;
  const buffer = chunk.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength || typeof buffer.transfer !== 'function') return;
  try {
    buffer.transfer(0);
  } catch {
    /* a non-detachable buffer: left to the GC */
  }
}

/**
 * A Web `Request`'s body parsed as JSON, read chunk by chunk so a body over `maxBytes` is
 * refused without being held. The same errors as {@link readJSONBody}.
 */
export async function readJSONRequest(request: Request, maxBytes: number): Promise<unknown> {
  if (request.body === null) return parseJSONBody('');
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new InvalidRequestError('The request body could not be read.');
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLargeError(size, maxBytes);
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return parseJSONBody(text + decoder.decode());
}

function tooLargeError(size: number, maxBytes: number): InvalidRequestError {
  return new InvalidRequestError(`The request body is ${size} bytes or more, larger than this server's limit of ${maxBytes} bytes (rxllm serve --max-body).`, {
    status: 413,
    code: 'request_too_large',
  });
}

/**
 * `text` parsed as JSON after checking its nesting depth (a linear scan: a body nested
 * thousands of levels deep would otherwise overflow the stack later, in code that walks it).
 * @throws InvalidRequestError 400 `invalid_json` or `too_deep`.
 */
export function parseJSONBody(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_BODY_DEPTH) {
        throw new InvalidRequestError(`The request body nests deeper than ${MAX_BODY_DEPTH} levels; flatten it.`, { code: 'too_deep' });
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidRequestError(
      `We could not parse the JSON body of your request (${(error as Error).message}). The API expects a JSON payload: ` +
        "send the body as JSON with 'Content-Type: application/json'.",
      { code: 'invalid_json' },
    );
  }
}
