import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import type { Delta } from './delta.ts';
import { operate } from './operate.ts';

/** How much of the answer's end a continuation may repeat, in characters. @internal */
export const OVERLAP_WINDOW = 1_000;

/**
 * Joins a continuation to the text `before` it: the continuation's first text is held until it
 * can no longer be a longer repeat of the answer's tail, then its longest start that repeats the
 * tail is cut when it is at least `minOverlap` characters long or only whitespace (the space a
 * prefill had to drop), and the rest passes on. `metadata` is dropped (one answer, one identity).
 * Another content delta, complete or error end the holding first. @internal
 */
export function joinContinuation(before: string, minOverlap: number): MonoTypeOperatorFunction<Delta> {
  const tail = before.slice(-OVERLAP_WINDOW);
  return (source) =>
    new Observable<Delta>((subscriber) => {
      /** The continuation's text held while it may still be a repeat; null once decided. */
      let held: string | null = '';
      const decide = () => {
        const text = held;
        held = null;
        if (text === null || text === '') return;
        const cut = overlap(tail, text);
        const kept = cut >= minOverlap || (cut > 0 && text.slice(0, cut).trim() === '') ? text.slice(cut) : text;
        if (kept !== '') subscriber.next({ type: 'text', text: kept });
      };
      operate(source, subscriber, {
        next(delta) {
          if (delta.type === 'metadata') return;
          if (held !== null && delta.type === 'text') {
            held += delta.text;
            if (!mayRepeatFurther(tail, held)) decide();
            return;
          }
          if (held !== null && delta.type !== 'usage') decide();
          subscriber.next(delta);
        },
        error(err: unknown) {
          decide();
          subscriber.error(err);
        },
        complete() {
          decide();
          subscriber.complete();
        },
      });
      return () => {
        held = null;
      };
    });
}

/** True while `text` occurs in `tail` other than at its very end: the repeat may go on. */
function mayRepeatFurther(tail: string, text: string): boolean {
  if (text.length >= tail.length) return false;
  const at = tail.indexOf(text);
  return at !== -1 && at + text.length < tail.length;
}

/** Length of the longest start of `text` that `tail` ends with. */
function overlap(tail: string, text: string): number {
  for (let k = Math.min(tail.length, text.length); k > 0; k--) {
    if (tail.endsWith(text.slice(0, k))) return k;
  }
  return 0;
}
