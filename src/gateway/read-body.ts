/**
 * Reads a request's JSON body with a size limit, for `rxllm serve`.
 * @internal
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError } from './invalid-request.ts';

/** The default request body limit of `rxllm serve`: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request body parsed as JSON. A body over `maxBytes` is read to its end and dropped (so the
 * client, still sending, receives the answer rather than a reset connection).
 * @throws InvalidRequestError 413 for a body over `maxBytes`, 400 for one that is not JSON or
 * that the client stopped sending.
 */
export function readJSONBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) return;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (tooLarge) {
        reject(
          new InvalidRequestError(`The request body is ${size} bytes, larger than this server's limit of ${maxBytes} bytes (rxllm serve --max-body).`, {
            status: 413,
            code: 'request_too_large',
          }),
        );
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text) as unknown);
      } catch (error) {
        reject(
          new InvalidRequestError(
            `We could not parse the JSON body of your request (${(error as Error).message}). The API expects a JSON payload: ` +
              "send the body as JSON with 'Content-Type: application/json'.",
            { code: 'invalid_json' },
          ),
        );
      }
    });
    req.on('error', () => reject(new InvalidRequestError('The request body could not be read.')));
    req.on('aborted', () => reject(new InvalidRequestError('The client closed the connection before the request body ended.')));
  });
}
