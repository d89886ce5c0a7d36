/**
 * The `reset` delta through the whole operator set: every operator rolls back on it (see
 * `ResetDelta` in src/core/delta.ts). Each case would give a different result without the
 * rollback (joined text, an unended call, a JSON parse error).
 */
import { of, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { bufferTokens } from '../src/operators/bufferTokens.ts';
import { jsonPatches } from '../src/operators/jsonPatches.ts';
import { partialJson } from '../src/operators/partialJson.ts';
import { splitReasoning } from '../src/operators/splitReasoning.ts';
import { timeoutIdle } from '../src/operators/timeoutIdle.ts';
import { IdleTimeoutError } from '../src/core/errors.ts';
import { toolCallArgs } from '../src/operators/toolCallArgs.ts';
import { toolCalls } from '../src/operators/toolCalls.ts';
import {
  reasoningDelta,
  resetDelta,
  textDelta,
  toolCallArgs as argsDelta,
  toolCallEnd,
  toolCallStart,
} from '../src/testing/index.ts';

const x = resetDelta('retry');

describe('reset through every operator', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('accumulate rolls the snapshot back to empty, then builds the new response', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-x-b|', { a: textDelta('Hel'), x, b: textDelta('lo') });
      const expected = '   -A-X-B|';
      expectObservable(source.pipe(accumulate())).toBe(expected, {
        A: { text: 'Hel', reasoning: '', toolCalls: [], deltaCount: 1 },
        X: { text: '', reasoning: '', toolCalls: [], deltaCount: 0 },
        B: { text: 'lo', reasoning: '', toolCalls: [], deltaCount: 1 },
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('bufferTokens drops what it holds and passes the reset on', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-x-c|', { a: textDelta('Hel'), b: textDelta('lo'), x, c: textDelta('Hi') });
      const expected = '   -----x--(c|)';
      expectObservable(source.pipe(bufferTokens(3))).toBe(expected, { x, c: textDelta('Hi') });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('splitReasoning drops a held tag prefix and restarts outside a section', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a----x-b|', { a: textDelta('Hi <think>hm <'), x, b: textDelta('ok') });
      const expected = '   -(th)-x-b|';
      expectObservable(source.pipe(splitReasoning())).toBe(expected, {
        t: textDelta('Hi '),
        h: reasoningDelta('hm '),
        x,
        b: textDelta('ok'),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('splitReasoning with startInReasoning restarts inside a section', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a----x-b|', { a: textDelta('hm</think>ok'), x, b: textDelta('hm') });
      expectObservable(source.pipe(splitReasoning({ startInReasoning: true }))).toBe('-(ho)-x-r|', {
        h: reasoningDelta('hm'),
        o: textDelta('ok'),
        x,
        r: reasoningDelta('hm'),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('toolCalls forgets the open calls (no unended call is reported for them)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-p-x-t-q-e-|', {
        s: toolCallStart(0, 'call_1', 'a'),
        p: argsDelta(0, '{"a":'),
        x,
        t: toolCallStart(0, 'call_2', 'b'),
        q: argsDelta(0, '{"b":2}'),
        e: toolCallEnd(0),
      });
      expectObservable(source.pipe(toolCalls())).toBe('-----------c-|', {
        c: { index: 0, id: 'call_2', name: 'b', args: { b: 2 }, argsText: '{"b":2}' },
      });
      expectSubscriptions(source.subscriptions).toBe('^------------!');
    });
  });

  it('partialJson restarts on a new document and emits an empty state at once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-x-c|', { a: textDelta('{"city":"Pa'), x, c: textDelta('[1]') });
      expectObservable(source.pipe(partialJson())).toBe('-A-X-C(V|)', {
        A: { partial: { city: 'Pa' }, complete: false },
        X: { partial: undefined, complete: false },
        C: { partial: [1], complete: false },
        V: { partial: [1], complete: true, value: [1] },
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('jsonPatches restarts on a new document: its operations are those of the new text alone', () => {
    let fresh: unknown;
    of<Delta>(textDelta('[1]')).pipe(jsonPatches(), toArray()).subscribe((ops) => (fresh = ops));
    expect(fresh).toStrictEqual([[{ op: 'add', path: '', value: [] }, { op: 'add', path: '/0', value: 1 }]]);
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-x-c|', { a: textDelta('{"x":1'), x, c: textDelta('[1]') });
      expectObservable(source.pipe(jsonPatches())).toBe('-A---C|', {
        A: [{ op: 'add', path: '', value: {} }],
        C: (fresh as unknown[])[0],
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('toolCallArgs forgets every call and emits the empty state', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-x-t-q-e|', {
        s: toolCallStart(0, 'call_1', 'a'),
        x,
        t: toolCallStart(1, 'call_2', 'b'),
        q: argsDelta(1, '{"b":2}'),
        e: toolCallEnd(1),
      });
      expectObservable(source.pipe(toolCallArgs())).toBe('-S-X-T-Q-E|', {
        S: { 0: { index: 0, id: 'call_1', name: 'a', partial: undefined, complete: false } },
        X: {},
        T: { 1: { index: 1, id: 'call_2', name: 'b', partial: undefined, complete: false } },
        Q: { 1: { index: 1, id: 'call_2', name: 'b', partial: { b: 2 }, complete: false } },
        E: { 1: { index: 1, id: 'call_2', name: 'b', partial: { b: 2 }, complete: true, args: { b: 2 } } },
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('timeoutIdle does not count a reset as content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-x-x-x-x-x-', { x });
      const result = source.pipe(timeoutIdle(4));
      expectObservable(result).toBe('-x-x#', { x }, expect.any(IdleTimeoutError));
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
