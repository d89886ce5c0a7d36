/**
 * One `HttpClient` request as a Web `Response` whose body grows with the download progress
 * events, so `fromSSE` reads it like a fetch response. @internal
 * @module
 */
import {
  HttpErrorResponse,
  HttpEventType,
  HttpHeaders,
  type HttpClient,
  type HttpEvent,
} from '@angular/common/http';
import type { Subscription } from 'rxjs';

/** What to send: `POST url` with a JSON body and extra headers. @internal */
export interface HttpClientRequestSpec {
  readonly url: string;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Sends `spec` through `http` (interceptors apply) with `observe: 'events'`,
 * `reportProgress: true`, `responseType: 'text'`, and resolves with a `Response` once the
 * headers are in: its body is fed by each `DownloadProgress` event's new text (`partialText`
 * grows; only what is new is enqueued), closes with the final `HttpResponse`, and errors when the
 * body read fails. An HTTP error status resolves with a `Response` carrying the status and the
 * error body (so the reader makes its typed error from it); a failure before any response
 * (refused connection) rejects with a `TypeError`, as fetch does. Aborting `signal` or
 * cancelling the body unsubscribes, which aborts the request (Angular's `FetchBackend` aborts its
 * fetch on unsubscribe). Progressive delivery needs the fetch backend (`withFetch()`): the XHR
 * backend delivers `partialText` too, but buffers the whole body in memory as it goes.
 * @internal
 */
export function httpClientResponse(http: HttpClient, spec: HttpClientRequestSpec, signal: AbortSignal): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const encoder = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let head: { status: number; statusText: string; headers: Headers } | undefined;
    let seen = 0;
    let settled = false;
    let subscription: Subscription | undefined;
    const stop = () => {
      signal.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
    };
    const onAbort = () => {
      stop();
      if (!settled) reject(signal.reason);
      else controller?.error(signal.reason);
    };
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });

    const open = (status: number, statusText: string, headers: HttpHeaders | null) => {
      head = { status, statusText, headers: toHeaders(headers) };
      if (status < 200 || status > 299) return; // wait for the error body
      settled = true;
      const body = new ReadableStream<Uint8Array>(
        {
          start: (c) => void (controller = c),
          cancel: () => stop(),
        },
        { highWaterMark: 0 },
      );
      resolve(new Response(body, { status, statusText, headers: head.headers }));
    };

    subscription = http
      .request('POST', spec.url, { body: spec.body, headers: spec.headers, observe: 'events', reportProgress: true, responseType: 'text' })
      .subscribe({
        next(event: HttpEvent<string>) {
          switch (event.type) {
            case HttpEventType.ResponseHeader:
              open(event.status, event.statusText, event.headers);
              break;
            case HttpEventType.DownloadProgress: {
              if (!settled || event.partialText === undefined) break;
              const text = event.partialText;
              if (text.length > seen) {
                controller!.enqueue(encoder.encode(text.slice(seen)));
                seen = text.length;
              }
              break;
            }
            case HttpEventType.Response: {
              if (!settled) open(event.status, event.statusText, event.headers); // no progress reported (a backend without it)
              const text = event.body ?? '';
              if (text.length > seen) controller!.enqueue(encoder.encode(text.slice(seen)));
              seen = text.length;
              break;
            }
            default:
              break;
          }
        },
        error(error: unknown) {
          signal.removeEventListener('abort', onAbort);
          if (settled) {
            // the body read failed (the connection dropped): the reader sees fetch's own error
            const cause = error instanceof HttpErrorResponse && error.error instanceof Error ? error.error : error;
            return controller!.error(cause instanceof Error ? cause : new TypeError(describe(error)));
          }
          if (error instanceof HttpErrorResponse && error.status !== 0) {
            settled = true;
            const body = typeof error.error === 'string' ? error.error : JSON.stringify(error.error ?? '');
            resolve(new Response(body, { status: error.status, statusText: error.statusText, headers: head?.headers ?? toHeaders(error.headers) }));
            return;
          }
          const cause = error instanceof HttpErrorResponse && error.error instanceof Error ? error.error : error;
          reject(new TypeError(`HttpClient request to ${spec.url} failed before a response: ${describe(cause)}`, { cause }));
        },
        complete() {
          signal.removeEventListener('abort', onAbort);
          if (settled) controller!.close();
          else reject(new TypeError(`HttpClient request to ${spec.url} completed without a response (the injector was destroyed?)`));
        },
      });
  });
}

function toHeaders(headers: HttpHeaders | null | undefined): Headers {
  const out = new Headers();
  if (headers == null) return out;
  for (const name of headers.keys()) {
    for (const value of headers.getAll(name) ?? []) out.append(name, value);
  }
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
