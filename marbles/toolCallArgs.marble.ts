import type { StandardSchemaV1 } from '@standard-schema/spec';
import { from, mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Delta } from '../src/core/delta.ts';
import { JsonParseError, SchemaValidationError } from '../src/json/errors.ts';
import { type ToolCallArgsState, toolCallArgs } from '../src/operators/toolCallArgs.ts';
import { finishDelta, textDelta, toolCallArgs as argsDelta, toolCallEnd, toolCallStart } from '../src/testing/index.ts';

const s = toolCallStart(0, 'call_1', 'search');
const a = argsDelta(0, '{"q":"rx');
const b = argsDelta(0, 'js"}');
const e = toolCallEnd(0);
const S = toolCallStart(1, 'call_2', 'weather');
const A = argsDelta(1, '{"city":"Oslo"');
const B = argsDelta(1, '}');
const E = toolCallEnd(1);
const t = textDelta('ok');
const f = finishDelta('tool-calls');
const values: Record<string, Delta> = { s, a, b, e, S, A, B, E, t, f };

const search = { index: 0, id: 'call_1', name: 'search' };
const weather = { index: 1, id: 'call_2', name: 'weather' };
const w0 = { ...search, partial: undefined, complete: false };
const x0 = { ...search, partial: { q: 'rx' }, complete: false };
const y0 = { ...search, partial: { q: 'rxjs' }, complete: false };
const z0 = { ...search, partial: { q: 'rxjs' }, complete: true, args: { q: 'rxjs' } };
const out: Record<string, ToolCallArgsState> = { w: { 0: w0 }, x: { 0: x0 }, y: { 0: y0 }, z: { 0: z0 } };

describe('toolCallArgs', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits the arguments so far, then the completed call, ignoring other deltas', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-a-t-b-e-f|', values);
      const subs = '       ^-----------!';
      const expected = '   -w-x---y-z--|';
      expectObservable(source.pipe(toolCallArgs())).toBe(expected, out);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('parses interleaved calls side by side, keyed by index, validating each against its tool schema', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const schemas = { weather: z.object({ city: z.string().transform((c) => c.toUpperCase()) }) };
      const source = cold('-s-S-a-A-b-B-e-E-|', values);
      const subs = '       ^----------------!';
      const expected = '   -w-1-2-3-4---6-7-|'; // B = '}' closes what was shown: nothing new to emit
      const w1 = { ...weather, partial: undefined, complete: false };
      const x1 = { ...weather, partial: { city: 'Oslo' }, complete: false };
      const z1 = { ...weather, partial: { city: 'Oslo' }, complete: true, args: { city: 'OSLO' } };
      const states = {
        ...out,
        1: { 0: w0, 1: w1 },
        2: { 0: x0, 1: w1 },
        3: { 0: x0, 1: x1 },
        4: { 0: y0, 1: x1 },
        6: { 0: z0, 1: x1 },
        7: { 0: z0, 1: z1 },
      };
      expectObservable(source.pipe(toolCallArgs({ schemas }))).toBe(expected, states);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with a SchemaValidationError naming the call when its tool schema rejects the arguments', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const schemas = { search: z.object({ q: z.string().min(5) }) };
      const issues = (schemas.search['~standard'].validate({ q: 'rxjs' }) as StandardSchemaV1.FailureResult).issues;
      const error = new SchemaValidationError(
        `The arguments of tool call 0 (search) parsed but failed schema validation (1 issue; first: at q: ${issues[0]!.message}). ` +
          'The parsed document is in `value`, the issues in `issues`; tell the model what was wrong or relax the schema.',
        { issues, text: '{"q":"rxjs"}', value: { q: 'rxjs' }, toolCall: search },
      );
      const source = cold('-s-a-b-e-f|', values);
      expectObservable(source.pipe(toolCallArgs({ schemas }))).toBe('-w-x-y-#', out, error);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('errors with a truncated JsonParseError when the source completes with arguments cut off', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const text = '{"q":"rx';
      const error = new JsonParseError(
        `The arguments of tool call 0 (search) ended before the JSON document was complete (${text.length} characters; expected more text: the JSON document is incomplete). ` +
          "Nothing was repaired: `lastPartial` holds what had arrived, `text` the raw text. If the model stopped at its output token limit (finish reason 'length'), raise the limit or ask for a shorter answer.",
        { text, offset: text.length, truncated: true, lastPartial: { q: 'rx' }, toolCall: search },
      );
      const source = cold('-s-a-f|', values);
      expectObservable(source.pipe(toolCallArgs())).toBe('-w-x--#', out, error);
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('keeps the identity of calls that did not change', () => {
    const states: ToolCallArgsState[] = [];
    const errors: unknown[] = [];
    from([s, S, a, A]).pipe(toolCallArgs()).subscribe({ next: (state) => states.push(state), error: (e: unknown) => errors.push(e) });
    expect(states.length).toBe(4);
    expect(errors).toEqual([expect.any(JsonParseError)]); // the source completed with both calls' arguments cut off
    expect(states[2]![1]).toBe(states[1]![1]); // call 1 untouched by call 0's fragment
    expect(states[3]![0]).toBe(states[2]![0]);
    expect(states[3]![1]).not.toBe(states[2]![1]);
  });

  it('completes a call with empty arguments as {}', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-e-|', values);
      expectObservable(source.pipe(toolCallArgs())).toBe('-w-z-|', {
        w: { 0: w0 },
        z: { 0: { ...search, partial: {}, complete: true, args: {} } },
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('passes a source error on, and completes without a value on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-s-#', values, new Error('boom'));
      expectObservable(failing.pipe(toolCallArgs())).toBe('-w-#', out, new Error('boom'));
      expectSubscriptions(failing.subscriptions).toBe('^--!');
      const empty = cold<Delta>('|');
      expectObservable(empty.pipe(toolCallArgs())).toBe('|');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
    });
  });

  it('releases the source on early unsubscribe, through unsubscription chains, and under take()', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-a-b-e-|', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        toolCallArgs(),
        mergeMap((x) => of(x)),
      );
      expectObservable(result, '----!').toBe('-w-x-', out);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      const sync = cold('(sabe|)', values);
      expectObservable(sync.pipe(toolCallArgs(), take(2))).toBe('(wx|)', out);
      expectSubscriptions(sync.subscriptions).toBe('(^!)');
    });
  });
});
