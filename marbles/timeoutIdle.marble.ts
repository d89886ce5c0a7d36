import { mergeMap, of, retry, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { IdleTimeoutError, StreamTruncatedError } from '../src/core/errors.ts';
import { timeoutIdle } from '../src/operators/timeoutIdle.ts';
import {
  fakeSource,
  finishDelta,
  metadataDelta,
  reasoningDelta,
  snapshotOf,
  textDelta,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const a = textDelta('Hel');
const b = textDelta('lo');
const c = textDelta('!');
const r = reasoningDelta('hmm');
const t = toolCallStart(0, 'call_1', 'get_weather');
const u = usageDelta({ inputTokens: 12 });
const f = finishDelta('stop');
const values: Record<string, Delta> = { m, a, b, c, r, t, u, f };

/** The error timeoutIdle raises, built independently of the operator (message text included). */
function idleError(phase: 'first' | 'idle', afterMs: number, arrived: Delta[]): IdleTimeoutError {
  const count = arrived.filter((d) => d.type !== 'metadata' && d.type !== 'usage' && d.type !== 'finish').length;
  const message =
    phase === 'first'
      ? `No content delta arrived within ${afterMs} ms of subscribing; the request was aborted. ` +
        "If the model is slow to start (long prompt, reasoning), raise timeoutIdle's `first`; otherwise retry."
      : `No content delta arrived for ${afterMs} ms after the last one (${count} content deltas so far); ` +
        "the request was aborted. What had arrived is in `partial`; raise timeoutIdle's `idle` or retry.";
  return new IdleTimeoutError(message, {
    phase,
    afterMs,
    deltaCount: count,
    partial: arrived.length === 0 ? undefined : snapshotOf(arrived),
  });
}

describe('timeoutIdle', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('passes every delta through at once and completes when content keeps arriving', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-b--c-(uf|)', values);
      const subs = '       ^---------!';
      const expected = '   -m-a-b--c-(uf|)';
      expectObservable(source.pipe(timeoutIdle(4))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with phase idle `idle` ms after the last content delta, releasing the source at that frame', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a--b-------------', values);
      const subs = '       ^----------!';
      const expected = '   -m-a--b----#';
      expectObservable(source.pipe(timeoutIdle({ first: 4, idle: 5 }))).toBe(expected, values, idleError('idle', 5, [m, a, b]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with phase first when only metadata and usage keep the connection alive', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m--u--u--u--u--', values);
      const subs = '       ^----!';
      const expected = '   -m--u#';
      expectObservable(source.pipe(timeoutIdle(5))).toBe(expected, values, idleError('first', 5, [m, u]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with phase first and no partial on a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('-');
      const subs = '       ^--!';
      const expected = '   ---#';
      expectObservable(source.pipe(timeoutIdle(3))).toBe(expected, undefined, idleError('first', 3, []));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('measures idle from the first content delta even when `first` is longer than `idle`', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-----a--------', values);
      const subs = '       ^-------!';
      const expected = '   -----a--#';
      expectObservable(source.pipe(timeoutIdle({ first: 10, idle: 3 }))).toBe(expected, values, idleError('idle', 3, [a]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('switches to `idle` after an early first content delta when `first` is shorter', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a----------b', values);
      const subs = '       ^----------!';
      const expected = '   -a---------#';
      expectObservable(source.pipe(timeoutIdle({ first: 2, idle: 10 }))).toBe(expected, values, idleError('idle', 10, [a]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with phase first when the first content delta comes after `first`', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m--a--|', values);
      const subs = '       ^--!';
      const expected = '   -m-#';
      expectObservable(source.pipe(timeoutIdle({ first: 3, idle: 100 }))).toBe(expected, values, idleError('first', 3, [m]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('counts reasoning and tool-call deltas as content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-r--t---------', values);
      const subs = '       ^-------!';
      const expected = '   -r--t---#';
      expectObservable(source.pipe(timeoutIdle(4))).toBe(expected, values, idleError('idle', 4, [r, t]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('does not reset the idle clock on usage deltas after content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-u-u-u-u-u', values);
      const subs = '       ^----!';
      const expected = '   a-u-u#';
      expectObservable(source.pipe(timeoutIdle(5))).toBe(expected, values, idleError('idle', 5, [a, u, u]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('accepts an explicit scheduler', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------', values);
      const subs = '       ^---!';
      const expected = '   -a--#';
      expectObservable(source.pipe(timeoutIdle({ idle: 3, scheduler: testScheduler }))).toBe(expected, values, idleError('idle', 3, [a]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('|');
      const subs = '       (^!)';
      const expected = '   |';
      expectObservable(source.pipe(timeoutIdle(3))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes a source error on, cancelling the timer', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', values, new Error('boom'));
      const subs = '       ^--!';
      const expected = '   -a-#';
      expectObservable(source.pipe(timeoutIdle(10))).toBe(expected, values, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes a source error on unchanged (no partial written into it)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ma-#', values, new StreamTruncatedError('cut', { provider: 'openai' }));
      const subs = '       ^--!';
      const expected = '   ma-#';
      const error = new StreamTruncatedError('cut', { provider: 'openai' });
      expectObservable(source.pipe(timeoutIdle(10))).toBe(expected, values, error);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('throws a TypeError for a timeout that is not a finite number >= 0', () => {
    testScheduler.run(({ cold, expectSubscriptions }) => {
      const source = cold('-a|', values);
      expect(() => source.pipe(timeoutIdle(-1))).toThrow(TypeError);
      expect(() => source.pipe(timeoutIdle({ idle: 5, first: Number.NaN }))).toThrow(TypeError);
      expect(() => source.pipe(timeoutIdle({ idle: Infinity }))).toThrow(TypeError);
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('releases the source and never errors after an early unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-------', values);
      const subs = '       ^----!';
      const unsub = '      -----!';
      const expected = '   -a-b--';
      expectObservable(source.pipe(timeoutIdle(3)), unsub).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-------', values);
      const subs = '       ^----!';
      const unsub = '      -----!';
      const expected = '   -a-b--';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        timeoutIdle(3),
        mergeMap((x) => of(x)),
      );
      expectObservable(result, unsub).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('starts fresh on each subscription (retry after a timeout)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------', values);
      const subs = ['      ^---!', '----^---!'];
      const expected = '   -a---a--#';
      expectObservable(source.pipe(timeoutIdle(3), retry(1))).toBe(expected, values, idleError('idle', 3, [a]));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('stops a synchronous source when a downstream take unsubscribes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(mabc|)', values);
      expectObservable(source.pipe(timeoutIdle(3), take(2))).toBe('(ma|)', values);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    const sync = fakeSource([m, a, b, c, f]);
    const seen: Delta[] = [];
    sync.pipe(timeoutIdle(3), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([m, a]);
    expect({ requests: sync.requests, active: sync.active, aborted: sync.aborted }).toStrictEqual({ requests: 1, active: 0, aborted: 1 });
  });
});
