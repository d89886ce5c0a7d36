/**
 * The README's "Testing your own pipelines" example, kept runnable: if the testing kit's API or
 * an operator's timing changes, this fails and the README must change with it.
 */
import { expect, it } from 'vitest';
import { bufferTokens } from '../src/index.ts';
import { createDeltaTestScheduler, deltaMarbles, deltaValues, finishDelta } from '../src/testing/index.ts';

it('coalesces two fragments', () => {
  const testScheduler = createDeltaTestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  testScheduler.run((helpers) => {
    const source = deltaMarbles(helpers, '-a-b-f|', { a: 'Hel', b: 'lo', f: finishDelta('stop') });
    helpers.expectObservable(source.pipe(bufferTokens(2))).toBe('---b-f|', deltaValues({ b: 'Hello', f: finishDelta('stop') }));
    helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
  });
});
