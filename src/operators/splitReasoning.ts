import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { Delta, TextDelta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';

/** Options of {@link splitReasoning}. */
export interface SplitReasoningConfig {
  /** The tag that opens a reasoning section; default `'<think>'`. */
  readonly open?: string;
  /** The tag that closes it; default `'</think>'`. */
  readonly close?: string;
  /**
   * The output begins inside a reasoning section, without an open tag (DeepSeek-R1 and QwQ
   * chat templates put `<think>` in the prompt, so the model starts with its thinking). Default false.
   */
  readonly startInReasoning?: boolean;
}

/**
 * Moves the text between an open and a close tag (default `<think>` / `</think>`) into
 * `reasoning` deltas and strips the tags; the text outside stays `text`.
 *
 * <span class="informal">For models that think in-band (DeepSeek-R1 distills, QwQ, Qwen3 and
 * others served through vLLM, Ollama or Bedrock), so their thinking reaches `reasoning` like
 * a provider's own reasoning field.</span>
 *
 * ```
 * source:            -a--b--c-|     a = 'Hi <thi', b = 'nk>hm</think', c = '>ok' (text)
 * splitReasoning():  -a--r--c-|     a = text 'Hi ', r = reasoning 'hm', c = text 'ok'
 * ```
 *
 * Any number of sections work, one at the very start too, and with `startInReasoning` the
 * output starts inside one. Tags split across any delta boundaries are recognised: only a
 * suffix that could still become the awaited tag is held back (at most the tag's length − 1
 * characters), and it is released as soon as it cannot. A `text` delta with no tag in it and
 * nothing held is passed on as the same object outside a section (the common case costs one
 * `indexOf`) and as a `reasoning` delta with the same text inside one.
 *
 * Other deltas: `metadata` and `usage` carry no content and pass through at once, while held
 * characters stay held (a tag split across two chunks with a usage delta between them, as
 * Gemini sends usage on every chunk, is still recognised). Before any other delta (`reasoning`
 * from the provider, tool calls, `finish`) the held characters are emitted as what they were,
 * then the delta passes: the order of content is kept. A `reset` delta drops the held
 * characters, restarts outside a section (inside with `startInReasoning`) and passes on.
 *
 * On complete: emits the held characters as what they were (`'x <th'` then complete gives
 * text `'x '` then text `'<th'`; inside an unclosed section they are reasoning), then
 * completes. On error: the same, then errors with the same error. On unsubscribe: drops the
 * held characters.
 *
 * @example
 * ```ts
 * fromOpenAI(ollama, { model: 'deepseek-r1', messages }).pipe(splitReasoning(), accumulate(), last())
 *   .subscribe((s) => console.log(s.reasoning, s.text));
 * ```
 *
 * @see {@link bufferTokens}
 * @see {@link accumulate}
 *
 * @see docs/marbles/splitReasoning.svg: the diagram drawn from this operator's spec (marbles/splitReasoning.marble.ts)
 * @param config `open` and `close` tags (non-empty strings), `startInReasoning`.
 * @return A function that returns an Observable of the same deltas with tagged text moved into `reasoning` deltas.
 * @throws {TypeError} At call time, for an empty `open` or `close` tag.
 */
export function splitReasoning(config: SplitReasoningConfig = {}): MonoTypeOperatorFunction<Delta> {
  const { open = '<think>', close = '</think>', startInReasoning = false } = config;
  if (open === '' || close === '') throw new TypeError('splitReasoning: the open and close tags must be non-empty strings.');
  const openFirst = open[0]!;
  const closeFirst = close[0]!;

  return (source) =>
    new Observable<Delta>((subscriber) => {
      let inside = startInReasoning;
      /** Characters that may still become the awaited tag; '' when none. */
      let held = '';

      const emit = (text: string) => {
        subscriber.next(inside ? { type: 'reasoning', text } : { type: 'text', text });
      };

      const flush = () => {
        if (held === '') return;
        const text = held;
        held = '';
        emit(text);
      };

      /** The general case: `text` has a possible tag in it, or follows held characters. */
      const split = (delta: TextDelta) => {
        const text = held === '' ? delta.text : held + delta.text;
        let pos = 0;
        for (let at = text.indexOf(inside ? close : open); at !== -1; at = text.indexOf(inside ? close : open, pos)) {
          if (at > pos) {
            emit(text.slice(pos, at));
            if (subscriber.closed) return;
          }
          pos = at + (inside ? close : open).length;
          inside = !inside;
        }
        const end = text.length - possibleTag(text, pos, inside ? close : open);
        held = end === text.length ? '' : text.slice(end);
        if (end === pos) return;
        if (end === text.length && pos === 0 && text === delta.text && !inside) subscriber.next(delta);
        else emit(text.slice(pos, end));
      };

      operate(source, subscriber, {
        next(delta) {
          switch (delta.type) {
            case 'text':
              if (held === '' && delta.text.indexOf(inside ? closeFirst : openFirst) === -1) {
                subscriber.next(inside ? { type: 'reasoning', text: delta.text } : delta);
              } else {
                split(delta);
              }
              return;
            case 'metadata':
            case 'usage':
              subscriber.next(delta);
              return;
            case 'reset':
              held = '';
              inside = startInReasoning;
              subscriber.next(delta);
              return;
            default:
              flush();
              subscriber.next(delta);
          }
        },
        error(err: unknown) {
          flush();
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        held = '';
      };
    });
}

/**
 * Length of the longest suffix of `text` (starting at `from` or later) that is a proper prefix
 * of `tag`: the characters that may still become the tag. 0 when none.
 */
function possibleTag(text: string, from: number, tag: string): number {
  const first = tag.charCodeAt(0);
  for (let p = Math.max(from, text.length - tag.length + 1); p < text.length; p++) {
    if (text.charCodeAt(p) !== first) continue;
    let j = 1;
    while (p + j < text.length && text.charCodeAt(p + j) === tag.charCodeAt(j)) j++;
    if (p + j === text.length) return j;
  }
  return 0;
}
