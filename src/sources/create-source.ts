import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Observable } from 'rxjs';
import type { Delta, DeltaSink } from '../core/delta.ts';
import { MalformedChunkError, ProviderError, RxllmError, StreamTruncatedError } from '../core/errors.ts';
import { clause } from '../core/error-classification.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/**
 * Where a source's mapping code puts its deltas. `next` records the delta (for `partial`) and
 * passes it on synchronously. @internal
 */
export interface Sink extends DeltaSink {
  next(delta: Delta): void;
  /** True once the subscriber unsubscribed or the source ended: stop reading. */
  readonly closed: boolean;
  /** What has arrived so far. */
  readonly builder: SnapshotBuilder;
}

/** How one provider's request is made and read. @internal */
export interface SourceSpec<T> {
  /** rxllm's provider name, for errors. */
  readonly provider: string;
  /** The user's signal, linked to the request's. */
  readonly signal?: AbortSignal | undefined;
  /** Sends the request through the SDK with `signal`; resolves once the response headers (or body) are in. */
  start(signal: AbortSignal): Promise<T>;
  /**
   * Reads the response into `sink`. Resolves once the provider's terminal event was handled
   * (the source then completes), rejects with a typed error otherwise.
   */
  read(response: T, sink: Sink, signal: AbortSignal): Promise<void> | void;
  /** Turns an SDK or network error into a typed one (`partial` is attached afterwards). */
  mapError(error: unknown, sink: Sink): unknown;
}

/**
 * The cold Observable behind every provider factory: one request per subscription, aborted on
 * unsubscribe; errors typed and carrying the partial snapshot. @internal
 */
export function createSource<T>(spec: SourceSpec<T>): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    const controller = new AbortController();
    const userSignal = spec.signal;
    const onUserAbort = () => controller.abort(userSignal!.reason);
    if (userSignal) {
      if (userSignal.aborted) controller.abort(userSignal.reason);
      else userSignal.addEventListener('abort', onUserAbort, { once: true });
    }
    let ended = false;
    // true once the source completed normally: the body was read to its terminal event, so the
    // connection is left to finish (and be reused by keep-alive) instead of being aborted
    let completed = false;
    const builder = new SnapshotBuilder();
    const sink: Sink = {
      next(delta) {
        builder.apply(delta);
        subscriber.next(delta);
      },
      get closed() {
        return ended || subscriber.closed;
      },
      builder,
    };

    const fail = (error: unknown) => {
      if (sink.closed) return;
      ended = true;
      let typed = error;
      // the user's abort wins over whatever the abort caused (readSSE reports the aborted read as a truncation)
      if (controller.signal.aborted && userSignal?.aborted) typed = userSignal.reason;
      else if (!(error instanceof RxllmError)) typed = spec.mapError(error, sink);
      if (typed instanceof RxllmError && typed.partial === undefined) typed.partial = builder.partial();
      subscriber.error(typed);
    };

    (async () => {
      const response = await spec.start(controller.signal);
      if (sink.closed) return;
      await spec.read(response, sink, controller.signal);
      if (sink.closed) return;
      ended = true;
      completed = true;
      subscriber.complete();
    })().catch(fail);

    return () => {
      ended = true;
      userSignal?.removeEventListener('abort', onUserAbort);
      if (!completed && !controller.signal.aborted) controller.abort();
    };
  });
}

/** One SSE event handler with the provider's notion of "the stream is over". @internal */
export interface SseMapper {
  /** Maps one event into the sink; throws a typed error for an in-stream error event. */
  onEvent(event: EventSourceMessage): void;
  /** True once the provider's terminal event was handled. */
  readonly done: boolean;
}

/**
 * Reads an SSE body with eventsource-parser, handing every event to `mapper` synchronously
 * within the network read that completed it. Resolves when the mapper saw the terminal event
 * (the rest of the body, normally just its end, is drained in the background so the connection
 * can be reused); rejects with `StreamTruncatedError` when the body ends
 * (or the connection drops) first, or with the mapper's error. `signal` (optional) cancels the
 * body reader when it aborts: needed for a body that no fetch signal controls. @internal
 */
export async function readSSE(
  body: ReadableStream<Uint8Array> | null,
  mapper: SseMapper,
  sink: Sink,
  provider: string,
  terminal: string,
  signal?: AbortSignal,
): Promise<void> {
  if (body === null) throw truncated(provider, terminal, 'the response had no body');
  const reader = body.getReader();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let failure: unknown;
  const parser = createParser({
    onEvent(event) {
      if (failure !== undefined || mapper.done || sink.closed) return;
      try {
        mapper.onEvent(event);
      } catch (err) {
        failure = err;
      }
    },
  });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (sink.closed) return;
        throw truncated(provider, terminal, `the connection failed (${describe(err)})`, err);
      }
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (failure !== undefined) throw failure;
      if (mapper.done || sink.closed) return;
    }
    if (signal?.aborted) throw signal.reason;
    parser.feed(decoder.decode());
    if (failure !== undefined) throw failure;
    if (mapper.done || sink.closed) return;
    throw truncated(provider, terminal, 'the body ended');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (mapper.done && failure === undefined && !sink.closed && signal?.aborted !== true) void drain(reader);
    else reader.cancel().catch(() => {});
  }
}

/**
 * Reads what follows the terminal event (normally only the end of the body) so the HTTP
 * connection ends cleanly and stays reusable; cancels the body if more than a few reads or
 * 1 s pass first.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), 1_000);
  (timer as { unref?: () => void }).unref?.();
  try {
    for (let reads = 0; reads < 8; reads++) if ((await reader.read()).done) return;
    await reader.cancel();
  } catch {
    /* the body failed or was cancelled after the response was complete: nothing is lost */
  } finally {
    clearTimeout(timer);
  }
}

function truncated(provider: string, terminal: string, what: string, cause?: unknown): StreamTruncatedError {
  return new StreamTruncatedError(
    `${provider} stream ended before its terminal event (${terminal}): ${what}. ` +
      'What had arrived is in `partial`; retrying repeats the whole request.',
    { provider, cause },
  );
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}

/**
 * Parses one SSE `data:` payload as JSON, or throws `MalformedChunkError` naming the bad line.
 * @internal
 */
export function parseJSON(data: string, provider: string): any {
  try {
    return JSON.parse(data);
  } catch (err) {
    const line = data.length > 200 ? `${data.slice(0, 200)}…` : data;
    throw new MalformedChunkError(
      `${provider} sent a chunk that is not valid JSON: ${JSON.stringify(line)} (${(err as Error).message}). ` +
        'The stream was stopped; what had arrived is in `partial`.',
      { provider, line, cause: err },
    );
  }
}

/**
 * Whether a request that failed with this HTTP status may succeed if sent again: 408, 409,
 * 429 and every 5xx (incl. Anthropic's 529 overload), as the official SDKs' retry rule. @internal
 */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * Fallback mapping for errors that are not the SDK's own: a dropped connection (fetch's bare
 * `TypeError: terminated`, ECONNRESET) after the response started is a truncation; anything else
 * is a non-retryable ProviderError wrapping it. @internal
 */
export function mapNetworkError(error: unknown, sink: Sink, provider: string, terminal: string): RxllmError {
  if (sink.builder.deltaCount > 0 && error instanceof Error && /terminated|ECONNRESET|socket|other side closed/i.test(describe(error))) {
    return truncated(provider, terminal, `the connection failed (${describe(error)})`, error);
  }
  return new ProviderError(`${provider} request failed: ${clause(describe(error))}. Check the client's configuration and the network; the error is in \`cause\`.`, {
    provider,
    retryable: false,
    cause: error,
  });
}
