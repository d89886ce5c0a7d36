/**
 * `ChatTransport`: how a {@link chatResource} sends one request and reads the answer.
 * @module
 */
import type { Observable } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';

/**
 * Sends one {@link ChatRequest} and streams the answer as deltas: a cold Observable, one request
 * per subscription, the request aborted on unsubscribe. `signal` aborts too (the chat passes
 * one so a transport written on `fetch` needs nothing else). {@link httpClientTransport} is the
 * one on Angular's `HttpClient`; any `Observable<Delta>` source fits, e.g.
 * `(request, signal) => fromSSE((s) => fetch(url, { method: 'POST', body: toBody(request), signal: s }), { signal })`.
 */
export type ChatTransport = (request: ChatRequest, signal: AbortSignal) => Observable<Delta>;
