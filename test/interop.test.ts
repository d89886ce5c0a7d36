/**
 * The stream bridges: toAsyncIterable, toReadableStream, fromAsyncIterable. Cancellation crosses
 * each bridge both ways, errors arrive after what was buffered, a slow consumer meets the
 * documented overflow policy; and with fromOpenAI against the replay server, a consumer that stops
 * closes the provider's socket.
 */
import OpenAI from 'openai';
import { Observable, Subject, lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { BufferOverflowError, ProviderError } from '../src/core/errors.ts';
import { fromAsyncIterable, toAsyncIterable, toReadableStream } from '../src/index.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { loadCase } from './support/fixtures.ts';

/** A synchronous source of `count` numbers that records how many it emitted and whether it was released. */
function counted(count: number, end: 'complete' | Error = 'complete') {
  const state = { subscriptions: 0, emitted: 0, released: 0 };
  const source = new Observable<number>((subscriber) => {
    state.subscriptions++;
    for (let i = 0; i < count && !subscriber.closed; i++) {
      state.emitted++;
      subscriber.next(i);
    }
    if (end === 'complete') subscriber.complete();
    else subscriber.error(end);
    return () => state.released++;
  });
  return { source, state };
}

/** A source driven by hand, recording its release. */
function manual<T>() {
  const subject = new Subject<T>();
  const state = { subscribed: 0, released: 0 };
  const source = new Observable<T>((subscriber) => {
    state.subscribed++;
    const inner = subject.subscribe(subscriber);
    return () => {
      state.released++;
      inner.unsubscribe();
    };
  });
  return { subject, source, state };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of iterable) values.push(v);
    return { values, error: undefined };
  } catch (error) {
    return { values, error };
  }
}

async function readAll<T>(stream: ReadableStream<T>): Promise<{ values: T[]; error: unknown }> {
  const reader = stream.getReader();
  const values: T[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { values, error: undefined };
      values.push(value);
    }
  } catch (error) {
    return { values, error };
  }
}

describe('toAsyncIterable', () => {
  it('is cold and lazy: each iterator subscribes on its first next()', async () => {
    const { source, state } = counted(3);
    const iterable = toAsyncIterable(source);
    const iterator = iterable[Symbol.asyncIterator]();
    expect(state.subscriptions).toBe(0);
    expect(await iterator.next()).toStrictEqual({ value: 0, done: false });
    expect(state.subscriptions).toBe(1);
    expect((await collect(iterable)).values).toStrictEqual([0, 1, 2]);
    expect(state.subscriptions).toBe(2);
  });

  it('delivers values in order across async gaps, then done', async () => {
    const { subject, source } = manual<number>();
    const iterator = toAsyncIterable(source)[Symbol.asyncIterator]();
    const first = iterator.next();
    subject.next(1);
    subject.next(2);
    subject.next(3);
    subject.complete();
    expect(await first).toStrictEqual({ value: 1, done: false });
    expect(await iterator.next()).toStrictEqual({ value: 2, done: false });
    expect(await iterator.next()).toStrictEqual({ value: 3, done: false });
    expect(await iterator.next()).toStrictEqual({ value: undefined, done: true });
    expect(await iterator.next()).toStrictEqual({ value: undefined, done: true });
  });

  it('rejects with the source error after the buffered values, then is done', async () => {
    const error = new ProviderError('boom', { provider: 'x', retryable: false });
    const { source } = counted(3, error);
    const iterator = toAsyncIterable(source)[Symbol.asyncIterator]();
    const results = [await iterator.next(), await iterator.next(), await iterator.next()];
    expect(results.map((r) => r.value)).toStrictEqual([0, 1, 2]);
    await expect(iterator.next()).rejects.toBe(error);
    expect(await iterator.next()).toStrictEqual({ value: undefined, done: true });
  });

  it('break in for await unsubscribes the source at once', async () => {
    const { subject, source, state } = manual<number>();
    setTimeout(() => subject.next(1), 1);
    for await (const v of toAsyncIterable(source)) {
      expect(v).toBe(1);
      break;
    }
    expect(state.released).toBe(1);
    expect(subject.observed).toBe(false);
  });

  it('return() while a next() waits resolves it done and releases the source', async () => {
    const { source, state } = manual<number>();
    const iterator = toAsyncIterable(source)[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return!();
    expect(await pending).toStrictEqual({ value: undefined, done: true });
    expect(state.released).toBe(1);
  });

  it("overflow 'error' (default): past highWaterMark the source is released, buffered values still come, then BufferOverflowError", async () => {
    const { source, state } = counted(1000);
    const { values, error } = await collect(toAsyncIterable(source, { highWaterMark: 5 }));
    // the first value goes to the waiting next(), 5 wait, the 7th passes the mark (kept, then the error)
    expect(state.emitted).toBe(7);
    expect(state.released).toBe(1);
    expect(values).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(error).toBeInstanceOf(BufferOverflowError);
    expect((error as BufferOverflowError).highWaterMark).toBe(5);
  });

  it("overflow 'drop-oldest': keeps the newest highWaterMark values, the source runs on", async () => {
    const { source, state } = counted(100);
    const { values, error } = await collect(toAsyncIterable(source, { highWaterMark: 3, overflow: 'drop-oldest' }));
    expect(error).toBeUndefined();
    expect(state.emitted).toBe(100);
    expect(values).toStrictEqual([0, 97, 98, 99]);
  });

  it('checks its options at call time', () => {
    const { source } = counted(1);
    expect(() => toAsyncIterable(source, { highWaterMark: -1 })).toThrow(RangeError);
    expect(() => toAsyncIterable(source, { overflow: 'coalesce' as 'error' })).toThrow(RangeError);
  });
});

describe('toReadableStream', () => {
  it('subscribes on the first read, not before', async () => {
    const { source, state } = counted(3);
    const stream = toReadableStream(source);
    await new Promise((r) => setTimeout(r, 1));
    expect(state.subscriptions).toBe(0);
    expect((await readAll(stream)).values).toStrictEqual([0, 1, 2]);
    expect(state.subscriptions).toBe(1);
  });

  it('errors with the source error after the buffered values', async () => {
    const error = new Error('late');
    const { source } = counted(2, error);
    const { values, error: got } = await readAll(toReadableStream(source));
    expect(values).toStrictEqual([0, 1]);
    expect(got).toBe(error);
  });

  it('cancel() releases the source at once', async () => {
    const { subject, source, state } = manual<string>();
    const reader = toReadableStream(source).getReader();
    const read = reader.read();
    await new Promise((r) => setTimeout(r, 1)); // the read pulls, which subscribes
    expect(state.subscribed).toBe(1);
    subject.next('a');
    expect(await read).toStrictEqual({ value: 'a', done: false });
    await reader.cancel('client gone');
    expect(state.released).toBe(1);
    expect(subject.observed).toBe(false);
  });

  it('a pipeTo whose destination fails releases the source', async () => {
    const { subject, source, state } = manual<string>();
    const destination = new WritableStream<string>({
      write() {
        throw new Error('disk full');
      },
    });
    const piping = toReadableStream(source).pipeTo(destination).catch((e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 1));
    subject.next('a');
    expect(await piping).toBe('disk full');
    expect(state.released).toBe(1);
  });

  it("overflow 'error': a reader that stops reading gets the buffered values, then BufferOverflowError", async () => {
    const { source, state } = counted(1000);
    const { values, error } = await readAll(toReadableStream(source, { highWaterMark: 4 }));
    expect(state.released).toBe(1);
    expect(values).toStrictEqual([0, 1, 2, 3, 4, 5]);
    expect(error).toBeInstanceOf(BufferOverflowError);
  });

  it('works as a Response body (strings through TextEncoderStream)', async () => {
    const { source } = counted(3);
    const body = toReadableStream(new Observable<string>((s) => source.subscribe({ next: (n) => s.next(`${n}\n`), complete: () => s.complete() }))).pipeThrough(new TextEncoderStream());
    expect(await new Response(body).text()).toBe('0\n1\n2\n');
  });
});

describe('fromAsyncIterable', () => {
  it('emits the values, then completes; each subscription calls [Symbol.asyncIterator]()', async () => {
    let iterators = 0;
    const iterable = {
      async *[Symbol.asyncIterator]() {
        iterators++;
        yield 1;
        yield 2;
      },
    };
    const source = fromAsyncIterable(iterable);
    expect(await lastValueFrom(source.pipe(toArray()))).toStrictEqual([1, 2]);
    expect(await lastValueFrom(source.pipe(toArray()))).toStrictEqual([1, 2]);
    expect(iterators).toBe(2);
  });

  it('errors with the rejection of next()', async () => {
    async function* failing() {
      yield 1;
      throw new Error('upstream');
    }
    const values: number[] = [];
    const error = await new Promise((resolve) => fromAsyncIterable(failing()).subscribe({ next: (v) => values.push(v), error: resolve }));
    expect(values).toStrictEqual([1]);
    expect((error as Error).message).toBe('upstream');
  });

  it('unsubscribe calls return() at once, while a next() is still pending', async () => {
    let returned = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => (returned++, { value: undefined, done: true }),
      }),
    };
    const subscription = fromAsyncIterable(iterable).subscribe();
    await new Promise((r) => setTimeout(r, 1));
    subscription.unsubscribe();
    expect(returned).toBe(1);
  });

  it('take(1) ends a generator at its yield (its finally runs); return() is not called after a natural end', async () => {
    let cleaned = false;
    async function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        cleaned = true;
      }
    }
    expect(await lastValueFrom(fromAsyncIterable(gen()).pipe(take(1), toArray()))).toStrictEqual([1]);
    await new Promise((r) => setTimeout(r, 1));
    expect(cleaned).toBe(true);

    let returned = 0;
    const plain: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => {
        let n = 0;
        return {
          next: async () => (n < 2 ? { value: n++, done: false } : { value: undefined, done: true }),
          return: async () => (returned++, { value: undefined, done: true }),
        };
      },
    };
    expect(await lastValueFrom(fromAsyncIterable(plain).pipe(toArray()))).toStrictEqual([0, 1]);
    expect(returned).toBe(0);
  });

  it('round-trips with toAsyncIterable, cancellation included', async () => {
    const { subject, source, state } = manual<number>();
    const values: number[] = [];
    const subscription = fromAsyncIterable(toAsyncIterable(source)).subscribe((v) => values.push(v));
    await new Promise((r) => setTimeout(r, 1));
    subject.next(1);
    subject.next(2);
    await new Promise((r) => setTimeout(r, 1));
    expect(values).toStrictEqual([1, 2]);
    subscription.unsubscribe();
    expect(state.released).toBe(1);
  });
});

describe('bridges with fromOpenAI against the replay server', () => {
  const text = loadCase('openai-chat/text');
  const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
  let server: ReplayServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startReplayServer(undefined, { record: true });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('toAsyncIterable: the whole response, chunked at random', async () => {
    server.reply({ format: 'openai-chat', parts: text.parts!, chunking: 'random', seed: 3 });
    let out = '';
    for await (const d of toAsyncIterable<Delta>(fromOpenAI(client, params))) if (d.type === 'text') out += d.text;
    expect(out).toBe(text.expect.text);
  });

  it('toAsyncIterable: break closes the provider socket within 100 ms', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 4 } });
    for await (const d of toAsyncIterable<Delta>(fromOpenAI(client, params))) if (d.type === 'text') break;
    await server.waitForSocketsClosed(100);
  });

  it('toReadableStream: cancel closes the provider socket within 100 ms', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 4 } });
    const reader = toReadableStream<Delta>(fromOpenAI(client, params)).getReader();
    for (;;) if ((await reader.read()).value?.type === 'text') break;
    expect(server.openSockets()).toBe(1);
    await reader.cancel();
    await server.waitForSocketsClosed(100);
  });
});
