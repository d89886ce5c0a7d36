import fc from 'fast-check';
import { from, last, lastValueFrom, mergeMap, Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { catchUpDeltas } from '../src/core/catch-up-deltas.ts';
import type { Delta } from '../src/core/delta.ts';
import { StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { shareSnapshot } from '../src/operators/shareSnapshot.ts';
import {
  finishDelta,
  metadataDelta,
  reasoningDelta,
  resetDelta,
  snapshotOf,
  textDelta,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const a = textDelta('Hel');
const b = textDelta('lo');
const c = textDelta('!');
const f = finishDelta('stop');
const A = textDelta('Hello');
const values: Record<string, Delta> = { m, a, b, c, f, A };

describe('shareSnapshot', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('shares one subscription; a late subscriber first gets the answer so far as a catch-up', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a------b------c-(f|)', values);
      const shared = source.pipe(shareSnapshot());
      expectObservable(shared).toBe('-m-a------b------c-(f|)', values);
      expectObservable(shared, '----^').toBe('----(ma)--b------c-(f|)', values);
      expectObservable(shared, '-----------^').toBe('-----------(mA)--c-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^------------------!');
    });
  });

  it('unsubscribes the source when the last subscriber leaves; the next subscriber sends a new request', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a---b|', values);
      const shared = source.pipe(shareSnapshot());
      expectObservable(shared, '^---!').toBe('-m-a', values);
      expectObservable(shared, '--^----!').toBe('--ma---', values);
      expectObservable(shared, '--------^').toBe('---------m-a---b|', values);
      expectSubscriptions(source.subscriptions).toBe(['^------!', '--------^-------!']);
    });
  });

  it("after completion a subscriber gets the final snapshot and completes (afterEnd: 'snapshot')", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-b-(f|)', values);
      const shared = source.pipe(shareSnapshot());
      expectObservable(shared).toBe('-m-a-b-(f|)', values);
      expectObservable(shared, '----------^').toBe('----------(mAf|)', values);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it("after completion a subscriber sends a new request with afterEnd: 'resubscribe'", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a|', values);
      const shared = source.pipe(shareSnapshot({ afterEnd: 'resubscribe' }));
      expectObservable(shared).toBe('-m-a|', values);
      expectObservable(shared, '------^').toBe('-------m-a|', values);
      expectSubscriptions(source.subscriptions).toBe(['^---!', '------^---!']);
    });
  });

  it('errors every subscriber with the same error; late joiners get the catch-up then the error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new StreamTruncatedError('dropped', { provider: 'openai', partial: snapshotOf([m, a]) });
      const source = cold('-m-a-----#', values, error);
      const shared = source.pipe(shareSnapshot());
      expectObservable(shared).toBe('-m-a-----#', values, error);
      expectObservable(shared, '----^').toBe('----(ma)-#', values, error);
      expectObservable(shared, '-----------^').toBe('-----------(ma#)', values, error);
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('a late subscriber after a reset gets only the new answer', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const x = resetDelta('retry');
      const source = cold('-a-x-b---c|', { ...values, x });
      const shared = source.pipe(shareSnapshot());
      expectObservable(shared).toBe('-a-x-b---c|', { ...values, x });
      expectObservable(shared, '-------^').toBe('-------b-c|', values);
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('completes on empty and stays silent on never', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      const never = cold<Delta>('-');
      expectObservable(empty.pipe(shareSnapshot())).toBe('|');
      expectObservable(never.pipe(shareSnapshot()), '^--!').toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-b-c-|', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        shareSnapshot(),
        mergeMap((d) => of(d)),
      );
      expectObservable(result, '^--!').toBe('-m-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops a synchronous source with take', () => {
    let emitted = 0;
    const source = new Observable<Delta>((s) => {
      for (let i = 0; i < 10 && !s.closed; i++) {
        emitted++;
        s.next(textDelta(String(i)));
      }
      s.complete();
    });
    const seen: Delta[] = [];
    source.pipe(shareSnapshot(), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([textDelta('0'), textDelta('1')]);
    expect(emitted).toBe(2);
  });

  it('a late subscriber accumulates the same snapshot as an early one (deltaCount aside), at any join point', async () => {
    const delta = fc.oneof(
      fc.string({ minLength: 1, maxLength: 5 }).map((t) => textDelta(t)),
      fc.string({ minLength: 1, maxLength: 5 }).map((t) => reasoningDelta(t)),
      fc.string({ minLength: 1, maxLength: 5 }).map((t) => reasoningDelta(t, { redacted: true })),
      fc.string({ minLength: 1, maxLength: 5 }).map((s) => reasoningDelta('', { signature: s })),
      fc.nat(2).map((i) => toolCallStart(i, `call_${i}`, 'tool')),
      fc.tuple(fc.nat(2), fc.string({ maxLength: 4 })).map(([i, t]) => toolCallArgs(i, t)),
      fc.nat(2).map((i) => toolCallEnd(i)),
      fc.nat(100).map((n) => usageDelta({ outputTokens: n })),
      fc.constant(finishDelta('length', 'max_tokens')),
      fc.constant(metadataDelta('anthropic', 'msg_1')),
      fc.constant(resetDelta('retry')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(delta, { maxLength: 30 }), fc.nat(30), async (deltas, cut) => {
        const at = Math.min(cut, deltas.length);
        const joined = [...catchUpDeltas(snapshotOf(deltas.slice(0, at))), ...deltas.slice(at)];
        const early = snapshotOf(deltas);
        const late = joined.length === 0 ? snapshotOf([]) : await lastValueFrom(from(joined).pipe(accumulate(), last()));
        expect({ ...late, deltaCount: 0 }).toStrictEqual({ ...early, deltaCount: 0 });
      }),
      { numRuns: 300 },
    );
  });
});
