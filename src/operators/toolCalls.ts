import { Observable, type OperatorFunction } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';

/** A tool call whose arguments are complete, as {@link toolCalls} emits it. */
export interface CompletedToolCall {
  /** Position of the call in the response (the `index` of its deltas). */
  readonly index: number;
  /** The provider's call id (`call_…`, `toolu_…`); `''` if the source never sent a start. */
  readonly id: string;
  /** The tool's name; `''` if the source never sent a start. */
  readonly name: string;
  /** The parsed JSON arguments (`{}` for empty text); `undefined` when `argsError` is set. */
  readonly args: unknown;
  /** The raw JSON arguments text, exactly as streamed. */
  readonly argsText: string;
  /**
   * Set when the call must not be run as is: `argsText` is not valid JSON (the parser's
   * message), or the call never ended (the stream completed, or a new call started at the same
   * index, before its `tool-call-end`, e.g. arguments cut off by the output token limit).
   */
  readonly argsError?: string;
}

/**
 * Assembles tool calls from a stream of deltas and emits each one when it ends, with its
 * arguments parsed.
 *
 * <span class="informal">The calls to run, one value per call, as soon as each is complete:
 * no need to wait for the whole response.</span>
 *
 * ```
 * source:       -s-a-t-b-e-f-|     s = start(0, 'call_1', 'get_weather'), a = args(0, '{"city":'),
 *                                  t = text, b = args(0, '"Paris"}'), e = end(0), f = finish
 * toolCalls():  ---------c---|     c = { index: 0, id: 'call_1', name: 'get_weather', args: { city: 'Paris' }, argsText: '{"city":"Paris"}' }
 * ```
 *
 * Calls are told apart by `index`, so parallel calls whose deltas interleave are assembled
 * correctly and emitted in the order they end. An index reused after its call ended starts a
 * new call. Arguments are parsed once, at the call's `tool-call-end` (empty text parses as
 * `{}`). Arguments that do not parse do not end the stream: the call is emitted with
 * `args: undefined`, `argsText` and `argsError` (the parser's message), so the application can
 * tell the model and carry on. A fragment for an index without a started call opens a call
 * without id and name (nothing is dropped); a `tool-call-end` for an index without an open call
 * is ignored. A `reset` delta forgets the open calls (calls already emitted stay emitted: run
 * a call only once the response completed if a recovery may restart it). Other deltas are consumed.
 *
 * On complete: calls still open are emitted with `argsError` (never run a call that did not
 * end), then completes. On error: errors with the same error (the source's error carries the
 * open calls in `partial`). On unsubscribe: drops the open calls.
 *
 * @example
 * ```ts
 * const response = fromOpenAI(client, params).pipe(share());
 * response.pipe(toolCalls(), mergeMap((call) => runTool(call.name, call.args))).subscribe(sendResult);
 * ```
 *
 * @see {@link accumulate}
 *
 * @see docs/marbles/toolCalls.svg: the diagram drawn from this operator's spec (marbles/toolCalls.marble.ts)
 * @return A function that returns an Observable of the completed tool calls, one per call.
 */
export function toolCalls(): OperatorFunction<Delta, CompletedToolCall> {
  return (source) =>
    new Observable<CompletedToolCall>((subscriber) => {
      /** The open calls by index. */
      let open: Map<number, OpenCall> | null = new Map();

      operate(source, subscriber, {
        next(delta) {
          switch (delta.type) {
            case 'tool-call-start': {
              const replaced = open!.get(delta.index);
              open!.set(delta.index, { id: delta.id, name: delta.name, argsText: '' });
              if (replaced !== undefined) {
                subscriber.next(unended(delta.index, replaced, 'a new tool call started at the same index before this one ended'));
              }
              return;
            }
            case 'tool-call-delta': {
              const call = open!.get(delta.index);
              if (call === undefined) open!.set(delta.index, { id: '', name: '', argsText: delta.argsText });
              else call.argsText += delta.argsText;
              return;
            }
            case 'tool-call-end': {
              const call = open!.get(delta.index);
              if (call === undefined) return;
              open!.delete(delta.index);
              subscriber.next(ended(delta.index, call));
              return;
            }
            case 'reset':
              open!.clear();
              return;
            default:
              return;
          }
        },
        complete() {
          const left = open!;
          open = new Map();
          for (const [index, call] of left) {
            subscriber.next(unended(index, call, 'the stream completed before its tool-call-end arrived'));
          }
          subscriber.complete();
        },
      });
      return () => {
        open = null;
      };
    });
}

interface OpenCall {
  readonly id: string;
  readonly name: string;
  argsText: string;
}

/** The call with its arguments parsed, or with `argsError` when they do not parse. */
function ended(index: number, call: OpenCall): CompletedToolCall {
  const { id, name, argsText } = call;
  try {
    return { index, id, name, args: JSON.parse(argsText.trim() === '' ? '{}' : argsText) as unknown, argsText };
  } catch (err) {
    const argsError = `the arguments are not valid JSON (${(err as Error).message})`;
    return { index, id, name, args: undefined, argsText, argsError };
  }
}

/** A call that never got its `tool-call-end`: never to be run, kept for the record. */
function unended(index: number, call: OpenCall, why: string): CompletedToolCall {
  const { id, name, argsText } = call;
  return { index, id, name, args: undefined, argsText, argsError: `the call did not end: ${why}` };
}
