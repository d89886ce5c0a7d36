import { mergeMap, Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/chat-request.ts';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { hedge } from '../src/operators/hedge.ts';
import type { ProviderAdapter } from '../src/sources/provider-adapter.ts';
import type { StreamTarget } from '../src/sources/stream.ts';
import { finishDelta, metadataDelta, textDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai');
const n = metadataDelta('anthropic');
const a = textDelta('Hel');
const b = textDelta('lo');
const f = finishDelta('stop');
const values: Record<string, Delta> = { m, n, a, b, f };
const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

function target(deltas: Observable<Delta>): StreamTarget {
  const adapter = {
    name: 'fake',
    defaultModel: 'fake-1',
    toParams: (req: ChatRequest) => ({ params: req, ignored: [] }),
    source: () => deltas,
  } as unknown as ProviderAdapter;
  return { adapter, client: {} };
}

describe('hedge', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('answers from the first target when it starts in time; the second is never sent', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-m-a----b-(f|)', values);
      const second = cold('-n-a|', values);
      expectObservable(hedge([target(first), target(second)], request, { delayMs: 5 })).toBe('---(ma)-b-(f|)', values);
      expectSubscriptions(first.subscriptions).toBe('^---------!');
      expectSubscriptions(second.subscriptions).toBe([]);
    });
  });

  it('a stalled target loses to the next one, started after delayMs, and is released at the win', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const stalled = cold('-m---------', values);
      const healthy = cold('-n-a---b|', values);
      expectObservable(hedge([target(stalled), target(healthy)], request, { delayMs: 3 })).toBe('------(na)b|', values);
      expectSubscriptions(stalled.subscriptions).toBe('^-----!');
      expectSubscriptions(healthy.subscriptions).toBe('---^-------!');
    });
  });

  it('a target failing before content starts the next at once; all failing errors with the last error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = new ProviderError('529 overloaded', { provider: 'fake', status: 529, retryable: true });
      const e2 = new ProviderError('503 unavailable', { provider: 'fake', status: 503, retryable: true });
      const one = cold('-#', values, e1);
      const two = cold('--#', values, e2);
      expectObservable(hedge([target(one), target(two)], request, { delayMs: 10 })).toBe('---#', values, e2);
      expectSubscriptions(one.subscriptions).toBe('^!');
      expectSubscriptions(two.subscriptions).toBe('-^-!');
    });
  });

  it('completes on empty, and unsubscribing releases every running target without breaking chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      expectObservable(hedge([target(empty)], request, { delayMs: 1 })).toBe('|');
      const s1 = cold('-m------', values);
      const s2 = cold('-n------', values);
      const result = hedge([target(s1), target(s2)], request, { delayMs: 2 }).pipe(mergeMap((d) => of(d)));
      expectObservable(result, '^----!').toBe('-');
      expectSubscriptions(s1.subscriptions).toBe('^----!');
      expectSubscriptions(s2.subscriptions).toBe('--^--!');
    });
  });

  it('stops a synchronous target with take', () => {
    let emitted = 0;
    const sync = new Observable<Delta>((s) => {
      for (let i = 0; i < 10 && !s.closed; i++) {
        emitted++;
        s.next(textDelta(String(i)));
      }
      s.complete();
    });
    const seen: Delta[] = [];
    hedge([target(sync)], request, { delayMs: 5 }).pipe(take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([textDelta('0'), textDelta('1')]);
    expect(emitted).toBe(2);
  });

  it('throws a TypeError for no targets', () => {
    expect(() => hedge([], request, { delayMs: 1 })).toThrow(TypeError);
  });
});
