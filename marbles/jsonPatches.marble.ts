import { mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { JsonParseError } from '../src/json/errors.ts';
import { jsonPatches } from '../src/operators/jsonPatches.ts';
import { finishDelta, textDelta } from '../src/testing/index.ts';

const a = textDelta('{"tags":["re');
const b = textDelta('d","blue"');
const c = textDelta(']}');
const f = finishDelta('stop');
const values: Record<string, Delta> = { a, b, c, f };

const x = [
  { op: 'add', path: '', value: {} },
  { op: 'add', path: '/tags', value: [] },
  { op: 'add', path: '/tags/0', value: '' },
  { op: 'append', path: '/tags/0', value: 're' },
];
const y = [
  { op: 'append', path: '/tags/0', value: 'd' },
  { op: 'add', path: '/tags/1', value: '' },
  { op: 'append', path: '/tags/1', value: 'blue' },
];
const out = { x, y };

describe('jsonPatches', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits the operations of each text delta that changed the document, and completes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c-f|', values);
      const subs = '       ^---------!';
      const expected = '   -x--y-----|';
      expectObservable(source.pipe(jsonPatches())).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it("with openStrings: 'hold', adds strings whole; escapes member names as JSON Pointers; a root number comes at complete", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const v = { p: textDelta('{"a/b~":"x'), q: textDelta('y"}'), r: textDelta('4') };
      const source = cold('-p-q-|', v);
      expectObservable(source.pipe(jsonPatches({ openStrings: 'hold' }))).toBe('-P-Q-|', {
        P: [{ op: 'add', path: '', value: {} }],
        Q: [{ op: 'add', path: '/a~1b~0', value: 'xy' }],
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
      const root = cold('-r-|', v);
      expectObservable(root.pipe(jsonPatches())).toBe('---(N|)', { N: [{ op: 'add', path: '', value: 4 }] });
      expectSubscriptions(root.subscriptions).toBe('^--!');
    });
  });

  it('errors with a truncated JsonParseError when the text ends mid-document', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b-f|', values);
      const subs = '       ^------!';
      const text = '{"tags":["red","blue"';
      const error = new JsonParseError(
        `The JSON answer ended before the JSON document was complete (${text.length} characters; expected more text: the JSON document is incomplete). ` +
          "Nothing was repaired: `lastPartial` holds what had arrived, `text` the raw text. If the model stopped at its output token limit (finish reason 'length'), raise the limit or ask for a shorter answer.",
        { text, offset: text.length, truncated: true, lastPartial: undefined },
      );
      expectObservable(source.pipe(jsonPatches())).toBe('-x--y--#', out, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes a source error on', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', values, new Error('boom'));
      expectObservable(source.pipe(jsonPatches())).toBe('-x-#', out, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('releases the source on early unsubscribe and does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c-|', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        jsonPatches(),
        mergeMap((ops) => of(ops)),
      );
      expectObservable(result, '-----!').toBe('-x--y-', out);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc|)', values);
      expectObservable(source.pipe(jsonPatches(), take(1))).toBe('(x|)', out);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });
});
