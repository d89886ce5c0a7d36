/**
 * The gateway's resumable streams: publishing a streamed answer and the resume and cancel
 * routes, on Web `Request`/`Response`, over `rxllm/resumable`.
 * @module
 */
import type { Observable } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { ResumableError } from '../resumable/errors.ts';
import { cancelHandler, resumeHandler, toResumableResponse } from '../resumable/http.ts';
import { defaultErrorBody } from '../sse/frames.ts';
import { toChatCompletionChunks } from '../sse/toChatCompletionChunks.ts';
import type { ChatCompletionChunk } from '../sse/wire.ts';
import type { GatewayResumable } from './chat-completions.ts';

/** `…/chat/completions/{id}/stream` or `…/chat/completions/{id}/cancel`, with the id; else `undefined`. */
export function resumableRoute(pathname: string): { readonly id: string; readonly action: 'stream' | 'cancel' } | undefined {
  const match = /\/chat\/completions\/([^/]+)\/(stream|cancel)\/?$/.exec(pathname);
  return match === null ? undefined : { id: decodeURIComponent(match[1]!), action: match[2] as 'stream' | 'cancel' };
}

const encode = (chunk: ChatCompletionChunk) => JSON.stringify(chunk);

/**
 * Publishes a streamed answer and answers with its events: `Rxllm-Stream-Id`, `retry:`, an `id:`
 * per event. The store holds the events for any reader until its TTL; the client leaving does not
 * stop the provider request.
 */
export async function publishAnswer(
  resumable: GatewayResumable,
  request: Request,
  deltas: Observable<Delta>,
  chunks: { model: string; includeUsage: boolean },
  headers: Readonly<Record<string, string>>,
): Promise<Response> {
  let owner: string;
  try {
    owner = await (resumable.owner?.(request) ?? '');
    const { id, events$ } = await resumable.streams.publish(deltas.pipe(toChatCompletionChunks(chunks)), { owner });
    return await toResumableResponse(events$, {
      encode,
      retry: resumable.retryMs ?? 1_000,
      headers: { ...headers, 'rxllm-stream-id': id, 'access-control-expose-headers': 'rxllm-stream-id, x-rxllm-ignored-params' },
      signal: request.signal,
    });
  } catch (error) {
    const status = error instanceof ResumableError ? error.status : 500;
    return new Response(JSON.stringify(defaultErrorBody(error)), { status, headers: { ...headers, 'content-type': 'application/json' } });
  }
}

/** The answer to `GET …/{id}/stream` or `POST …/{id}/cancel`. */
export function answerResumableRoute(
  resumable: GatewayResumable,
  request: Request,
  route: { readonly id: string; readonly action: 'stream' | 'cancel' },
  headers: Readonly<Record<string, string>>,
): Promise<Response> {
  const owner = resumable.owner;
  if (route.action === 'stream') {
    if (request.method !== 'GET') return Promise.resolve(notAllowed('GET', headers));
    return resumeHandler<ChatCompletionChunk>(resumable.streams, { encode, retry: resumable.retryMs ?? 1_000, headers, ...(owner ? { owner } : {}) })(request, route.id);
  }
  if (request.method !== 'POST') return Promise.resolve(notAllowed('POST', headers));
  return cancelHandler(resumable.streams, { headers, ...(owner ? { owner } : {}) })(request, route.id);
}

function notAllowed(allow: string, headers: Readonly<Record<string, string>>): Response {
  const body = { error: { message: `Use ${allow} here.`, type: 'invalid_request_error', param: null, code: 'method_not_allowed' } };
  return new Response(JSON.stringify(body), { status: 405, headers: { ...headers, allow, 'content-type': 'application/json' } });
}
