import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import type { Delta } from '../core/delta.ts';
import { textDelta } from './deltas.ts';

/**
 * A cold marble Observable of deltas, as `cold()` returns it: subscribe to it, and check
 * `subscriptions` with `expectSubscriptions` to prove the source (so the request) was released.
 */
export type ColdDeltas = ReturnType<typeof TestScheduler.prototype.createColdObservable<Delta>>;

/**
 * Values for a marble diagram of deltas, where a string stands for a `text` delta with that
 * text. Use it for the expected side of `expectObservable(...).toBe(marbles, values)`.
 *
 * @example
 * ```ts
 * expectObservable(result).toBe('--a--(b|)', deltaValues({ a: 'Hel', b: reasoningDelta('hm') }));
 * ```
 *
 * @param values Marble letter → delta, or → text of a `text` delta.
 * @return The same letters mapped to deltas.
 */
export function deltaValues(values: { readonly [marble: string]: Delta | string }): Record<string, Delta> {
  const out: Record<string, Delta> = {};
  for (const key of Object.keys(values)) {
    const value = values[key]!;
    out[key] = typeof value === 'string' ? textDelta(value) : value;
  }
  return out;
}

/**
 * A cold `Observable<Delta>` from a marble diagram, for marble-testing your own pipelines in
 * `testScheduler.run(helpers => ...)`. Letters map through `values` (a string is the text of a
 * `text` delta, see {@link deltaValues}); without `values`, each letter is a `text` delta of
 * itself. `#` errors with `error`.
 *
 * @example
 * ```ts
 * testScheduler.run((helpers) => {
 *   const source = deltaMarbles(helpers, '-a-b-f|', { a: 'Hel', b: 'lo', f: finishDelta('stop') });
 *   helpers.expectObservable(source.pipe(bufferTokens(2))).toBe('---b-f|', deltaValues({ b: 'Hello', f: finishDelta('stop') }));
 *   helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
 * });
 * ```
 *
 * @param helpers The run helpers (only `cold` is used).
 * @param marbles The diagram, in RxJS marble syntax (one frame per character in run mode).
 * @param values Marble letter → delta, or → text of a `text` delta.
 * @param error The value of `#`.
 * @return A cold Observable whose `subscriptions` log can be checked.
 */
export function deltaMarbles(
  helpers: Pick<RunHelpers, 'cold'>,
  marbles: string,
  values?: { readonly [marble: string]: Delta | string },
  error?: unknown,
): ColdDeltas {
  let map: Record<string, Delta>;
  if (values === undefined) {
    map = {};
    for (const letter of marbles) map[letter] = textDelta(letter);
  } else {
    map = deltaValues(values);
  }
  return helpers.cold<Delta>(marbles, map, error);
}

/**
 * A `TestScheduler` for delta streams, framework-free: pass your test framework's deep
 * equality. Use a strict one (`toStrictEqual`) so that an expected typed error (for example
 * `new IdleTimeoutError(...)`) fails against a look-alike plain `Error`, and an `undefined`
 * field fails against a missing one.
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * const testScheduler = createDeltaTestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
 * testScheduler.run(({ cold, expectObservable }) => { ... });
 * ```
 *
 * @param assertDeepEqual Throws when `actual` and `expected` differ.
 * @return A new `TestScheduler`; its `run()` virtualizes `asyncScheduler`, so operators with time run in frames.
 */
export function createDeltaTestScheduler(assertDeepEqual: (actual: unknown, expected: unknown) => boolean | void): TestScheduler {
  return new TestScheduler(assertDeepEqual);
}
