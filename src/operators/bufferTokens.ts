import {
  asyncScheduler,
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Delta, ReasoningDelta, TextDelta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';

/** Where {@link bufferTokens} may cut held text: after whitespace, after a line end, or after a match. */
export type TokenBoundary = 'word' | 'line' | RegExp;

/** Options of {@link bufferTokens}. */
export interface BufferTokensConfig {
  /** Emit once this many fragments are held. Default: unlimited, or 1 when only `boundary` is given. */
  readonly size?: number;
  /** Emit once this many ms passed since the first held fragment. Default: no time limit. */
  readonly maxDelay?: number;
  /**
   * Emit only up to a boundary, holding the rest for the next emit: `'word'` cuts after the last
   * whitespace character, `'line'` after the last `\n`, a RegExp after the end of its last match.
   * Flushes before other deltas, on complete and before an error emit everything regardless.
   */
  readonly boundary?: TokenBoundary;
  /** Scheduler of `maxDelay`; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Coalesces consecutive `text` deltas, and separately consecutive `reasoning` deltas, into
 * fewer, larger ones.
 *
 * <span class="informal">Like `bufferCount` / `bufferTime` for streamed text, joining the
 * fragments instead of collecting them in arrays; fewer re-renders, nothing lost.</span>
 *
 * ```
 * source:           -a-b-c-u-d-|       a = 'Hel', b = 'lo', c = ' wor', d = 'ld' (text), u = usage
 * bufferTokens(2):  ---B---(cu)(d|)    B = 'Hello'; c is flushed before u, d on complete
 * ```
 *
 * Emits the held text as one delta when `size` fragments are held, when `maxDelay` ms passed
 * since the first held fragment, and, with a `boundary`, only up to the last boundary (the rest
 * is held for the next emit; with only `boundary` given it emits at every boundary: word by word
 * or line by line). Text held without a boundary waits for the next one or for a flush: text
 * without whitespace (Chinese, Japanese) under `'word'` is held until a flush, so give such
 * streams `'line'`, a RegExp, or no boundary.
 *
 * A flush emits everything held, whatever the boundary: before any other delta type (also
 * between text and reasoning), so order is kept; when a reasoning delta carries a `signature`
 * (the end of a thinking block: the coalesced delta carries it); and before a `redacted`
 * reasoning delta, which is passed through alone. The concatenation of the output text (and
 * reasoning) always equals the input's. A delta held alone is emitted as the same object.
 *
 * A `reset` delta drops what is held (it belongs to the voided response) and passes on.
 *
 * On complete: flushes, then completes. On error: flushes, then errors with the same error.
 * On unsubscribe: cancels the pending `maxDelay` action and drops the held text.
 *
 * The per-delta path allocates nothing but the emitted deltas (a string concatenation per
 * fragment; with `'word'` or `'line'`, a scan of the new fragment for a boundary; a RegExp
 * boundary runs only when an emit is due, over the held text). With `maxDelay`, the scheduler
 * is called at most once per `maxDelay`, not per emit: a pending action whose text was already
 * emitted re-arms itself for the next deadline.
 *
 * @example
 * ```ts
 * // re-render at most every 50 ms, and only whole words
 * fromOpenAI(client, params).pipe(bufferTokens({ maxDelay: 50, boundary: 'word' }), accumulate())
 *   .subscribe((s) => render(s.text));
 * ```
 *
 * @see {@link accumulate}
 * @see {@link splitReasoning}
 *
 * @see docs/marbles/bufferTokens.svg: the diagram drawn from this operator's spec (marbles/bufferTokens.marble.ts)
 * @param config The number of fragments to hold (`size`), or `{ size, maxDelay (ms), boundary, scheduler }`.
 * @return A function that returns an Observable of the same deltas with consecutive text and reasoning fragments joined.
 * @throws {RangeError} At call time, for a `size` below 1 or a negative or non-finite `maxDelay`.
 */
export function bufferTokens(config: number | BufferTokensConfig): MonoTypeOperatorFunction<Delta> {
  const options: BufferTokensConfig = typeof config === 'number' ? { size: config } : config;
  const { maxDelay, boundary, scheduler = asyncScheduler } = options;
  const size = options.size ?? (maxDelay === undefined && boundary !== undefined ? 1 : Infinity);
  if (!(size >= 1)) throw new RangeError(`bufferTokens: size must be 1 or more fragments, got ${size}.`);
  if (maxDelay !== undefined && !(maxDelay >= 0 && maxDelay < Infinity)) {
    throw new RangeError(`bufferTokens: maxDelay must be a finite number of ms, 0 or more, got ${maxDelay}.`);
  }
  const scan = boundary === 'word' ? lastSpaceEnd : boundary === 'line' ? lastLineEnd : undefined;
  const pattern = boundary instanceof RegExp ? globalCopy(boundary) : undefined;

  return (source) =>
    new Observable<Delta>((subscriber) => {
      /** Type of the held fragments. */
      let kind: 'text' | 'reasoning' = 'text';
      /** The held text; '' when nothing is held. */
      let held = '';
      /** Fragments held (a remainder left by a boundary counts as one). */
      let count = 0;
      /** The delta held, when it is the only one and held whole: emitted as is. */
      let first: TextDelta | ReasoningDelta | null = null;
      /** The signature of the last held reasoning fragment (it ends the group). */
      let signature: string | undefined;
      /** With 'word' / 'line': the end of the last boundary in `held`, 0 for none. */
      let cut = 0;
      /** `maxDelay` passed: emit at the next boundary. */
      let due = false;
      /** When the held text must be emitted (`maxDelay` after the first held fragment); -1 when nothing is held. */
      let deadline = -1;
      /**
       * The pending `maxDelay` action. An emit does not cancel it: when it fires for text that
       * is gone it re-arms itself for the current deadline, or stops. So the scheduler is called
       * at most once per `maxDelay`, not once per emit.
       */
      let timer: Subscription | null = null;

      function onTimer(this: SchedulerAction<undefined>) {
        const remaining = deadline < 0 ? -1 : deadline - scheduler.now();
        if (remaining > 0) {
          this.schedule(undefined, remaining);
          return;
        }
        timer = null;
        if (deadline < 0) return;
        due = true;
        emitDue();
      }

      /** Starts the `maxDelay` clock for text held from now. */
      const startClock = () => {
        deadline = scheduler.now() + maxDelay!;
        if (timer === null) timer = scheduler.schedule(onTimer, maxDelay);
      };

      /** Emits everything held. */
      const flush = () => {
        if (count === 0) return;
        const out: Delta =
          count === 1 && first !== null
            ? first
            : kind === 'text'
              ? { type: 'text', text: held }
              : signature === undefined
                ? { type: 'reasoning', text: held }
                : { type: 'reasoning', text: held, signature };
        drop();
        subscriber.next(out);
      };

      /** Emits what a size or time trigger allows: all, or up to the last boundary. */
      const emitDue = () => {
        const end = scan !== undefined ? cut : pattern !== undefined ? lastMatchEnd(pattern, held) : held.length;
        if (end === held.length) return flush();
        if (end === 0) return;
        const text = held.slice(0, end);
        held = held.slice(end);
        count = 1;
        first = null;
        cut = 0;
        due = false;
        if (maxDelay !== undefined) startClock();
        subscriber.next(kind === 'text' ? { type: 'text', text } : { type: 'reasoning', text });
      };

      const hold = (delta: TextDelta | ReasoningDelta) => {
        if (count > 0 && delta.type !== kind) {
          flush();
          if (subscriber.closed) return;
        }
        kind = delta.type;
        if (scan !== undefined) {
          const end = scan(delta.text);
          if (end > 0) cut = held.length + end;
        }
        if (count === 0) {
          held = delta.text;
          first = delta;
          if (maxDelay !== undefined) startClock();
        } else {
          held += delta.text;
          first = null;
        }
        count++;
        if (delta.type === 'reasoning' && delta.signature !== undefined) {
          signature = delta.signature;
          flush();
        } else if (count >= size || due) {
          emitDue();
        }
      };

      /** Forgets what is held (after an emit, or at a `reset`: the held text belongs to a voided response). */
      const drop = () => {
        held = '';
        signature = undefined;
        count = 0;
        first = null;
        cut = 0;
        due = false;
        deadline = -1;
      };

      operate(source, subscriber, {
        next(delta) {
          if (delta.type === 'text' || (delta.type === 'reasoning' && delta.redacted !== true)) return hold(delta);
          if (delta.type === 'reset') drop();
          else flush();
          subscriber.next(delta);
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
        if (timer !== null) timer.unsubscribe();
        timer = null;
        deadline = -1;
        held = '';
        first = null;
      };
    });
}

/** End (index after) of the last whitespace character in `text`, 0 for none. Same set as RegExp `\s`. */
function lastSpaceEnd(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (
      c === 32 ||
      (c >= 9 && c <= 13) ||
      (c > 127 &&
        (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
          c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))
    ) {
      return i + 1;
    }
  }
  return 0;
}

/** End (index after) of the last `\n` in `text`, 0 for none. */
function lastLineEnd(text: string): number {
  return text.lastIndexOf('\n') + 1;
}

/** End of the last non-empty match of the global `pattern` in `text`, 0 for none. */
function lastMatchEnd(pattern: RegExp, text: string): number {
  let end = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) pattern.lastIndex++;
    else end = m.index + m[0].length;
  }
  return end;
}

/** A global, non-sticky copy of `re`, so one `exec` loop finds every match. */
function globalCopy(re: RegExp): RegExp {
  return new RegExp(re.source, re.flags.replace(/[gy]/g, '') + 'g');
}
