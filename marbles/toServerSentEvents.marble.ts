import { Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { IdleTimeoutError, ProviderError } from '../src/core/errors.ts';
import { toServerSentEvents } from '../src/sse/toServerSentEvents.ts';

const DONE = 'data: [DONE]\n\n';

describe('toServerSentEvents', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('writes each value as one data event and ends with [DONE]', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: { n: 1 }, b: { s: 'x' } });
      expectObservable(source.pipe(toServerSentEvents())).toBe('-A-B-(D|)', {
        A: 'data: {"n":1}\n\n',
        B: 'data: {"s":"x"}\n\n',
        D: DONE,
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('writes only [DONE] for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('|');
      expectObservable(source.pipe(toServerSentEvents())).toBe('(D|)', { D: DONE });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('writes nothing while the source never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-');
      expectObservable(source.pipe(toServerSentEvents())).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('turns a source error into an OpenAI error event, then [DONE], then completes', () => {
    const error = new ProviderError('Rate limit reached', { provider: 'openai', status: 429, code: 'rate_limit_exceeded', retryable: true });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a: { n: 1 } }, error);
      expectObservable(source.pipe(toServerSentEvents())).toBe('-A-(ED|)', {
        A: 'data: {"n":1}\n\n',
        E: 'data: {"error":{"message":"Rate limit reached","type":"rate_limit_error","code":"rate_limit_exceeded","param":null,"status_code":429}}\n\n',
        D: DONE,
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('reports other rxllm errors with their message and a code, and foreign errors without their message', () => {
    const idle = new IdleTimeoutError('no delta for 30000 ms', { phase: 'idle', afterMs: 30000, deltaCount: 3 });
    const frames = (error: unknown) => {
      const out: string[] = [];
      new Observable((s) => s.error(error)).pipe(toServerSentEvents()).subscribe((f) => out.push(f));
      return out;
    };
    expect(frames(idle)).toStrictEqual([
      'data: {"error":{"message":"no delta for 30000 ms","type":"server_error","code":"idle_timeout","param":null}}\n\n',
      DONE,
    ]);
    expect(frames(new Error('password=hunter2'))).toStrictEqual([
      'data: {"error":{"message":"The server failed while streaming the response.","type":"server_error","code":"internal_error","param":null}}\n\n',
      DONE,
    ]);
  });

  it('uses formatError for the error body', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', {}, new Error('boom'));
      const formatError = (e: unknown) => ({ error: { message: (e as Error).message, type: 'server_error', code: 'x', param: null } });
      expectObservable(source.pipe(toServerSentEvents({ formatError }))).toBe('-(ED|)', {
        E: 'data: {"error":{"message":"boom","type":"server_error","code":"x","param":null}}\n\n',
        D: DONE,
      });
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('turns a value with no JSON form (a throw inside the operator) into an error event and releases the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: { n: 1 }, b: { big: 1n }, c: { n: 3 } });
      expectObservable(source.pipe(toServerSentEvents())).toBe('-A-(ED|)', {
        A: 'data: {"n":1}\n\n',
        E: 'data: {"error":{"message":"The server failed while streaming the response.","type":"server_error","code":"internal_error","param":null}}\n\n',
        D: DONE,
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('keeps every value inside one event: newlines, data:, [DONE], U+2028/U+2029, lone surrogates', () => {
    const nasty = 'a\nb\r\nc\rdata: [DONE]\n\nid: 1\u2028x\u2029y\ud800z';
    const frames: string[] = [];
    of({ content: nasty }, '[DONE]').pipe(toServerSentEvents()).subscribe((f) => frames.push(f));
    expect(frames).toHaveLength(3);
    for (const frame of frames) {
      expect(frame.endsWith('\n\n')).toBe(true);
      // one line: no CR, LF, U+2028 or U+2029 before the event's end
      expect(frame.slice(0, -2)).not.toMatch(/[\r\n\u2028\u2029]/);
    }
    expect(JSON.parse(frames[0]!.slice('data: '.length))).toStrictEqual({ content: nasty });
    expect(frames[1]).toBe('data: "[DONE]"\n\n');
    expect(frames[2]).toBe(DONE);
  });

  it('writes event ids: numbered with ids: true, from a function otherwise; [DONE] has none', () => {
    const numbered: string[] = [];
    of({ a: 1 }, { a: 2 }).pipe(toServerSentEvents({ ids: true })).subscribe((f) => numbered.push(f));
    expect(numbered).toStrictEqual(['id: 0\ndata: {"a":1}\n\n', 'id: 1\ndata: {"a":2}\n\n', DONE]);
    const named: string[] = [];
    of({ a: 1 }).pipe(toServerSentEvents({ ids: (v, i) => `r1-${v.a}-${i}` })).subscribe((f) => named.push(f));
    expect(named).toStrictEqual(['id: r1-1-0\ndata: {"a":1}\n\n', DONE]);
  });

  it('rejects an id with a line break (an error event instead of a broken stream)', () => {
    const frames: string[] = [];
    of({ a: 1 }).pipe(toServerSentEvents({ ids: () => 'x\ny' })).subscribe((f) => frames.push(f));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^data: \{"error":/);
    expect(frames[1]).toBe(DONE);
  });

  it('writes retry first, and checks it at call time', () => {
    const frames: string[] = [];
    of({ a: 1 }).pipe(toServerSentEvents({ retry: 3000 })).subscribe((f) => frames.push(f));
    expect(frames).toStrictEqual(['retry: 3000\n\n', 'data: {"a":1}\n\n', DONE]);
    expect(() => toServerSentEvents({ retry: -1 })).toThrow(TypeError);
  });

  it('unsubscribes the source on early unsubscribe, and keeps unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: 1, b: 2 });
      expectObservable(source.pipe(toServerSentEvents()), '^--!').toBe('-A-', { A: 'data: 1\n\n' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops a synchronous source when take() has enough', () => {
    let emitted = 0;
    const source = new Observable<number>((subscriber) => {
      for (let i = 0; i < 5 && !subscriber.closed; i++) {
        emitted++;
        subscriber.next(i);
      }
      subscriber.complete();
    });
    const frames: string[] = [];
    source.pipe(toServerSentEvents(), take(2)).subscribe((f) => frames.push(f));
    expect(frames).toStrictEqual(['data: 0\n\n', 'data: 1\n\n']);
    expect(emitted).toBe(2);
  });
});
