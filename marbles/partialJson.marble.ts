import type { StandardSchemaV1 } from '@standard-schema/spec';
import { from, lastValueFrom, mergeMap, of, type OperatorFunction, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Delta } from '../src/core/delta.ts';
import { JsonParseError, SchemaValidationError } from '../src/json/errors.ts';
import { type PartialJson, partialJson } from '../src/operators/partialJson.ts';
import { fakeSource, finishDelta, metadataDelta, textDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const f = finishDelta('stop');
const a = textDelta('{"city":"Pa');
const b = textDelta('ris","days":[');
const c = textDelta('1,2');
const d = textDelta(']}');
const values: Record<string, Delta> = { m, f, a, b, c, d };

const doc = { city: 'Paris', days: [1, 2] };
const W = { partial: { city: 'Pa' }, complete: false };
const X = { partial: { city: 'Paris', days: [] }, complete: false };
const Y = { partial: { city: 'Paris', days: [1] }, complete: false };
const Z = { partial: doc, complete: false };
const V = { partial: doc, complete: true, value: doc };
const out: Record<string, unknown> = { W, X, Y, Z, V };

/** The messages, retyped here: a change of wording must be a deliberate change of this spec. */
function truncated(text: string, lastPartial: unknown): JsonParseError {
  return new JsonParseError(
    `The JSON answer ended before the JSON document was complete (${text.length} characters; expected more text: the JSON document is incomplete). ` +
      "Nothing was repaired: `lastPartial` holds what had arrived, `text` the raw text. If the model stopped at its output token limit (finish reason 'length'), raise the limit or ask for a shorter answer.",
    { text, offset: text.length, truncated: true, lastPartial },
  );
}

function invalid(text: string, offset: number, expected: string, lastPartial: unknown): JsonParseError {
  return new JsonParseError(
    `The JSON answer is not valid JSON at offset ${offset} (${JSON.stringify(text.slice(offset, offset + 20))}): expected ${expected}. ` +
      'The raw text is in `text`; ask the model for JSON only (a JSON response format or schema).',
    { text, offset, truncated: false, lastPartial },
  );
}

const City = z.object({ city: z.string(), days: z.array(z.number().min(2)) });

describe('partialJson', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits the document so far on every change, then the complete value, ignoring other deltas', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ma--b--c--d-f|', values);
      const subs = '       ^-------------!';
      const expected = '   --W--X--Y--Z--(V|)';
      expectObservable(source.pipe(partialJson())).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('reads a document in a ```json fence after whitespace; the fence emits nothing', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const v = { o: textDelta('\n ```json\n'), p: textDelta('[true, '), q: textDelta('"x"]'), r: textDelta('\n```\n') };
      const source = cold('-o-p-q-r-|', v);
      const subs = '       ^--------!';
      const expected = '   ---A-B---(C|)';
      const A = { partial: [true], complete: false };
      const B = { partial: [true, 'x'], complete: false };
      const C = { partial: [true, 'x'], complete: true, value: [true, 'x'] };
      expectObservable(source.pipe(partialJson())).toBe(expected, { A, B, C });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it("with emit: 'value', emits only after deltas that complete a value", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----------!';
      const expected = '   ----X--Y--Z-(V|)';
      expectObservable(source.pipe(partialJson({ emit: 'value' }))).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('with emit in ms, emits the first change at once and the latest state at the end of each window', () => {
    testScheduler.run(({ cold, time, expectObservable, expectSubscriptions }) => {
      const window = time('-----|');
      const source = cold('-ab-c-----d--|', values);
      const subs = '       ^------------!';
      const expected = '   -W----Y----Z-(V|)';
      expectObservable(source.pipe(partialJson({ emit: window, scheduler: testScheduler }))).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it("with openStrings: 'hold', shows a string only once it closes", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----------!';
      const expected = '   -H--X--Y--Z-(V|)';
      const H = { partial: {}, complete: false };
      expectObservable(source.pipe(partialJson({ openStrings: 'hold' }))).toBe(expected, { ...out, H });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('validates the complete document with a Standard Schema and emits its output as the value', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const Trip = z.object({ city: z.string().transform((s) => s.toUpperCase()), days: z.array(z.number()) });
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----------!';
      const expected = '   -W--X--Y--Z-(T|)';
      const T = { partial: doc, complete: true, value: { city: 'PARIS', days: [1, 2] } };
      expectObservable(source.pipe(partialJson({ schema: Trip }))).toBe(expected, { ...out, T });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with a SchemaValidationError carrying the issues when the schema rejects the document', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----------!';
      const expected = '   -W--X--Y--Z-#';
      const issues = (City['~standard'].validate(doc) as StandardSchemaV1.FailureResult).issues;
      const error = new SchemaValidationError(
        `The JSON answer parsed but failed schema validation (1 issue; first: at days.0: ${issues[0]!.message}). ` +
          'The parsed document is in `value`, the issues in `issues`; tell the model what was wrong or relax the schema.',
        { issues, text: '{"city":"Paris","days":[1,2]}', value: doc },
      );
      expectObservable(source.pipe(partialJson({ schema: City }))).toBe(expected, out, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors at completion with a truncated JsonParseError when the JSON is cut off, never completing a value', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c--f|', values);
      const subs = '       ^----------!';
      const expected = '   -W--X--Y---#';
      const error = truncated('{"city":"Paris","days":[1,2', { city: 'Paris', days: [1] });
      expectObservable(source.pipe(partialJson())).toBe(expected, out, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors at once with a JsonParseError on a character that cannot be JSON, releasing the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const v = { a, b, x: textDelta('1 2]}') };
      const source = cold('-a--b--x--d-|', v);
      const subs = '       ^------!';
      const expected = '   -W--X--#';
      const error = invalid('{"city":"Paris","days":[1 2]}', 26, ', or ]', { city: 'Paris', days: [1] });
      expectObservable(source.pipe(partialJson())).toBe(expected, out, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with a JsonParseError on text after the document', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const v = { p: textDelta('[1] Hope'), q: textDelta(' this helps') };
      const source = cold('-p-q-|', v);
      const subs = '       ^!';
      const expected = '   -#';
      const error = invalid('[1] Hope', 4, 'the end of the JSON document (only whitespace may follow)', [1]);
      expectObservable(source.pipe(partialJson())).toBe(expected, undefined, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with a truncated JsonParseError on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('|');
      expectObservable(source.pipe(partialJson())).toBe('#', undefined, truncated('', undefined));
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing and stays subscribed on a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('-');
      expectObservable(source.pipe(partialJson())).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('emits the change held back by a time-based emit, then passes a source error on unchanged', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab-#', values, new Error('boom'));
      const subs = '       ^---!';
      const expected = '   -W--(X#)';
      expectObservable(source.pipe(partialJson({ emit: 10, scheduler: testScheduler }))).toBe(expected, out, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('sends a throw inside the schema validator to the error channel', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const broken: StandardSchemaV1 = {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: () => {
            throw new Error('validator bug');
          },
        },
      };
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----------!';
      const expected = '   -W--X--Y--Z-#';
      expectObservable(source.pipe(partialJson({ schema: broken }))).toBe(expected, out, new Error('validator bug'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('infers the value type from the schema (a compile-time check)', () => {
    const typed: OperatorFunction<Delta, PartialJson<{ city: string; days: number[] }>> = partialJson({ schema: City });
    expect(typeof typed).toBe('function');
  });

  it('throws a TypeError for an emit that is not change, value or a finite number of ms', () => {
    expect(() => partialJson({ emit: -1 })).toThrow(TypeError);
    expect(() => partialJson({ emit: 'always' as never })).toThrow(TypeError);
  });

  it('releases the source and cancels the timer on early unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab-c-----d--|', values);
      const subs = '       ^--!';
      const unsub = '      ---!';
      const expected = '   -W--';
      expectObservable(source.pipe(partialJson({ emit: 3, scheduler: testScheduler })), unsub).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--c--d-|', values);
      const subs = '       ^-----!';
      const unsub = '      ------!';
      const expected = '   -W--X--';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        partialJson(),
        mergeMap((x) => of(x)),
      );
      expectObservable(result, unsub).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abcd|)', values);
      expectObservable(source.pipe(partialJson(), take(2))).toBe('(WX|)', out);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    const sync = fakeSource([m, a, b, c, d, f]);
    const seen: unknown[] = [];
    sync.pipe(partialJson(), take(1)).subscribe((p) => seen.push(p));
    expect(seen).toStrictEqual([W]);
    expect({ requests: sync.requests, active: sync.active, aborted: sync.aborted }).toStrictEqual({ requests: 1, active: 0, aborted: 1 });
  });

  it('keeps the identity of every subtree that did not change', async () => {
    type Doc = { done: object[]; open: object[] };
    const parts = ['{"done":[{"id":1},{"id":2}],"open":[{"id":3}', ',{"id":4,"t":"a', 'b"}', ']}'];
    const emitted = await lastValueFrom(from(parts.map(textDelta)).pipe(partialJson<Doc>(), toArray()));
    expect(emitted.length).toBe(4); // ']}' closes what was shown: no change, so no emission before the final one
    const [p1, p2, p3, last] = emitted.map((e) => e.partial as Doc);
    expect(p2!.done).toBe(p1!.done); // a closed array: the same object in every later emission
    expect(p2!.open).not.toBe(p1!.open); // on the path to the change: new
    expect(p2!.open[0]).toBe(p1!.open[0]); // a closed object beside the change: kept
    expect(p3!.open[0]).toBe(p1!.open[0]);
    expect(p3!.open[1]).not.toBe(p2!.open[1]); // the string grew
    expect(last).toBe(p3); // the final value is the last partial, not a copy
    expect(emitted.at(-1)).toStrictEqual({ partial: p3, complete: true, value: p3 });
  });

  it('awaits an asynchronous schema', async () => {
    const schema: StandardSchemaV1<unknown, { n: number }> = {
      '~standard': { version: 1, vendor: 'test', validate: async (v) => ({ value: v as { n: number } }) },
    };
    const emitted = await lastValueFrom(from([textDelta('{"n":'), textDelta('1}')]).pipe(partialJson({ schema }), toArray()));
    expect(emitted).toStrictEqual([
      { partial: {}, complete: false },
      { partial: { n: 1 }, complete: false },
      { partial: { n: 1 }, complete: true, value: { n: 1 } },
    ]);
  });
});
