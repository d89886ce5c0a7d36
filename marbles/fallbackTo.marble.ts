import { mergeMap, Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/chat-request.ts';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { fallbackTo } from '../src/operators/fallbackTo.ts';
import type { ProviderAdapter } from '../src/sources/provider-adapter.ts';
import type { StreamTarget } from '../src/sources/stream.ts';
import { finishDelta, metadataDelta, resetDelta, snapshotOf, textDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const n = metadataDelta('anthropic', 'msg_1', 'claude');
const a = textDelta('The sky is blue because ');
const b = textDelta('air scatters blue light.');
const r = textDelta('blue because air scatters blue light.');
const f = finishDelta('stop');
const x = resetDelta('fallback');
const values: Record<string, Delta> = { m, n, a, b, r, f, x };

const request: ChatRequest = { messages: [{ role: 'user', content: 'Why is the sky blue?' }] };
const overloaded = new ProviderError('529 overloaded', { provider: 'openai', status: 529, retryable: true });
const drop = new StreamTruncatedError('The stream ended before the provider finished the response.', {
  provider: 'openai',
  partial: snapshotOf([m, a]),
});

/** A target whose adapter's source is `deltas`; records the requests it was given. */
function target(deltas: Observable<Delta>, options: { prefill?: boolean } = {}): StreamTarget & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  const adapter = {
    name: 'fake',
    defaultModel: 'fake-1',
    assistantPrefill: options.prefill ?? false,
    toParams: (req: ChatRequest) => {
      requests.push(req);
      return { params: req, ignored: [] };
    },
    source: () => deltas,
  } as unknown as ProviderAdapter;
  return { adapter, client: {}, model: 'fake-1', requests };
}

describe('fallbackTo', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('passes values and completion through when the source answers', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a----b-(f|)', values);
      const next = target(cold('-n-b|', values));
      expectObservable(source.pipe(fallbackTo({ request }, next))).toBe('---(ma)-b-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^---------!');
      expect(next.requests).toHaveLength(0);
    });
  });

  it('before content switches silently to the next target (the failed metadata is dropped)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-#', values, overloaded);
      const next = cold('-n-a----(f|)', values);
      expectObservable(source.pipe(fallbackTo({ request }, target(next)))).toBe('------(na)-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(next.subscriptions).toBe('---^-------!');
    });
  });

  it("after content with mode 'restart' emits reset, then the next target's answer", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-----#', values, drop);
      const next = cold('-n-a----b|', values);
      expectObservable(source.pipe(fallbackTo({ request }, target(next)))).toBe('---(ma)--x--(na)-b|', values);
      expectSubscriptions(source.subscriptions).toBe('^--------!');
      expectSubscriptions(next.subscriptions).toBe('---------^--------!');
    });
  });

  it("after content with mode 'continue' sends a continuation turn and cuts the repeated start", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-----#', values, drop);
      const next = cold('-n-r-(f|)', values);
      const t = target(next);
      const result = source.pipe(fallbackTo({ request, mode: 'continue' }, t));
      expectObservable(result).toBe('---(ma)-----b-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^--------!');
      expectSubscriptions(next.subscriptions).toBe('---------^----!');
      testScheduler.flush();
      expect(t.requests.at(-1)!.messages.slice(1)).toStrictEqual([
        { role: 'assistant', content: 'The sky is blue because ' },
        { role: 'user', content: expect.stringContaining('Continue exactly where you stopped') },
      ]);
    });
  });

  it("with a prefill adapter the request ends with the text so far as the assistant's message, trailing space cut", () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-m-a-----#', values, drop);
      const t = target(cold('-n-b-(f|)', values), { prefill: true });
      expectObservable(source.pipe(fallbackTo({ request, mode: 'continue' }, t))).toBe('---(ma)-----b-(f|)', values);
      testScheduler.flush();
      expect(t.requests.at(-1)!.messages).toStrictEqual([...request.messages, { role: 'assistant', content: 'The sky is blue because' }]);
    });
  });

  it('gives up with the last error when no target is left', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, overloaded);
      const last = new ProviderError('503 unavailable', { provider: 'fake', status: 503, retryable: true });
      const next = cold('--#', values, last);
      expectObservable(source.pipe(fallbackTo({ request }, target(next)))).toBe('---#', values, last);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(next.subscriptions).toBe('-^-!');
    });
  });

  it('does not switch on an error `when` rejects', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad = new ProviderError('400 bad request', { provider: 'openai', status: 400, retryable: false });
      const source = cold('-a-#', values, bad);
      const next = cold('-b|', values);
      expectObservable(source.pipe(fallbackTo({ request }, target(next)))).toBe('-a-#', values, bad);
      expectSubscriptions(next.subscriptions).toBe([]);
    });
  });

  it('errors with what `when` throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const thrown = new Error('when broke');
      const source = cold('-a-#', values, drop);
      const next = cold('-b|', values);
      const when = () => {
        throw thrown;
      };
      expectObservable(source.pipe(fallbackTo({ request, when }, target(next)))).toBe('-a-#', values, thrown);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(next.subscriptions).toBe([]);
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
    source.pipe(fallbackTo({ request }), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([textDelta('0'), textDelta('1')]);
    expect(emitted).toBe(2);
  });

  it('completes on empty, stays silent on never', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      const never = cold<Delta>('-');
      expectObservable(empty.pipe(fallbackTo({ request }))).toBe('|');
      expectObservable(never.pipe(fallbackTo({ request })), '^--!').toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribing releases the running target, and does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, overloaded);
      const next = cold('-n-a-b-f|', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        fallbackTo({ request }, target(next)),
        mergeMap((d) => of(d)),
      );
      expectObservable(result, '^-----!').toBe('----(na)', values);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(next.subscriptions).toBe('-^----!');
    });
  });
});
