import { Observable, type OperatorFunction } from 'rxjs';
import { operate } from '../core/operate.ts';
import { checkEventId, DONE_FRAME, dataFrame, defaultErrorBody, retryField } from './frames.ts';
import type { OpenAIErrorBody } from './wire.ts';

/** Options of {@link toServerSentEvents}. */
export interface ServerSentEventsOptions<T> {
  /**
   * Event ids (`id:` lines), so a reconnecting client can send `Last-Event-ID`: `true` numbers
   * the events `0, 1, 2, …` per subscription; a function gives the id of each value (one line,
   * no NUL). The `[DONE]` and error events carry no id. Default: no ids.
   */
  readonly ids?: boolean | ((value: T, index: number) => string);
  /** Writes a `retry:` field first: the client's reconnection delay, in ms. Default: none. */
  readonly retry?: number;
  /**
   * The body of the error event for a source error. Default: a `ProviderError` keeps its
   * message, `code` and HTTP status (`status_code`); other rxllm errors keep their message;
   * other errors are reported as `internal_error` without their message. Use it to log too.
   */
  readonly formatError?: (error: unknown) => OpenAIErrorBody;
}

/**
 * Encodes each value as a server-sent event (`data: <json>\n\n`), ending with `data: [DONE]\n\n`.
 *
 * <span class="informal">The wire side of an OpenAI-compatible stream: pipe
 * `toChatCompletionChunks` into it and write the strings to the response.</span>
 *
 * ```
 * source:             --a--b--|          --a--#
 * toServerSentEvents: --A--B--(D|)       --A--(ED|)     D = 'data: [DONE]\n\n', E = error event
 * ```
 *
 * Every value is one event on one `data:` line, whatever it contains: JSON escapes newlines, and
 * U+2028/U+2029 are escaped as well; a content string `[DONE]` stays inside quotes.
 *
 * On complete: emits the `[DONE]` frame, then completes. On error: emits an OpenAI-shaped error
 * event `data: {"error":{"message","type","code","param"}}` (see `formatError`), then the `[DONE]`
 * frame so no client hangs, then completes: the error is turned into wire data, not rethrown. A
 * value with no JSON form (or a throw in `ids` / `formatError`'s caller) is handled the same way.
 * On unsubscribe: unsubscribes the source (a closed connection aborts the provider request).
 *
 * Frames are strings; node:http `res.write` takes them as they are, and a Web `Response` takes
 * them through `TextEncoderStream` (or use `toSSEResponse`, which does it).
 *
 * @example
 * ```ts
 * fromOpenAI(client, params)
 *   .pipe(toChatCompletionChunks({ model: params.model }), toServerSentEvents())
 *   .subscribe({ next: (frame) => res.write(frame), complete: () => res.end() });
 * ```
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @param options Event ids, `retry` (ms) and the error body.
 * @throws TypeError at call time when `retry` is not a non-negative integer.
 * @return A function that returns an Observable of SSE frames (strings), always ending with `[DONE]`.
 */
export function toServerSentEvents<T>(options: ServerSentEventsOptions<T> = {}): OperatorFunction<T, string> {
  const { ids, retry, formatError = defaultErrorBody } = options;
  const retryFrame = retry === undefined ? undefined : retryField(retry);
  const idOf = typeof ids === 'function' ? ids : ids === true ? (_value: T, index: number) => String(index) : undefined;
  return (source) =>
    new Observable<string>((subscriber) => {
      let index = 0;
      const end = (error: unknown) => {
        let frame: string;
        try {
          frame = dataFrame(formatError(error), undefined);
        } catch {
          frame = dataFrame(defaultErrorBody(undefined), undefined);
        }
        subscriber.next(frame);
        subscriber.next(DONE_FRAME);
        subscriber.complete();
      };
      if (retryFrame !== undefined) subscriber.next(retryFrame);
      operate(source, subscriber, {
        next(value) {
          let frame: string;
          try {
            frame = dataFrame(value, idOf === undefined ? undefined : checkEventId(idOf(value, index)));
          } catch (err) {
            end(err);
            return;
          }
          index++;
          subscriber.next(frame);
        },
        error: end,
        complete() {
          subscriber.next(DONE_FRAME);
          subscriber.complete();
        },
      });
    });
}
