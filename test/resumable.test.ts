/**
 * `rxllm/resumable` at the library level, on both stores: the memory store, and the Redis store
 * on a real redis-server started on 127.0.0.1 (a second `resumable` on its own connection plays
 * the other instance). redis-server missing → the Redis half skips loudly (fails when CI=true).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { Redis as IORedis } from 'ioredis';
import { fromIoredis, type IoredisLike } from '../src/resumable/ioredis.ts';
import { firstValueFrom, from, interval, lastValueFrom, map, Observable, Subject, take, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Entry,
  memoryStore,
  redisStore,
  type RedisClientLike,
  type Resumable,
  ResumableError,
  type ResumableOptions,
  type ResumableStore,
  resumable,
} from '../src/resumable/index.ts';
import { type RedisServer, skipWithoutRedis, startRedisServer } from './support/redis-server.ts';

const skipRedis = skipWithoutRedis('test/resumable.test.ts');
let server: RedisServer | undefined;
let client: Awaited<ReturnType<typeof connectClient>>;
const opened: Array<{ close(): Promise<unknown> }> = [];

const connectClient = async () => {
  const c = await createClient({ url: server!.url }).connect();
  opened.push({ close: () => c.close() });
  return c;
};

beforeAll(async () => {
  if (skipRedis) return;
  server = await startRedisServer();
  client = await connectClient();
});
afterAll(async () => {
  for (const o of opened.splice(0)) await o.close().catch(() => {});
  await server?.stop();
});
const stores: ResumableStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const OWNER = { owner: 'alice' };
const collect = <T>(entries: Observable<Entry<T>>) => lastValueFrom(entries.pipe(toArray()));
const text = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'text', text: `w${i} ` }));
const until = async (check: () => boolean | Promise<boolean>, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const errorOf = (entries: Observable<unknown>) => lastValueFrom(entries).then(() => undefined, (error: unknown) => error);

/** A source that records its unsubscription time (a provider request's abort). */
function tracked<T>(inner: Observable<T>) {
  const state = { subscribed: 0, abortedAt: undefined as number | undefined };
  const source = new Observable<T>((subscriber) => {
    state.subscribed++;
    let ended = false;
    const subscription = inner.subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => ((ended = true), subscriber.error(error)),
      complete: () => ((ended = true), subscriber.complete()),
    });
    return () => {
      subscription.unsubscribe();
      if (!ended) state.abortedAt ??= performance.now();
    };
  });
  return { source, state };
}

interface Kit {
  readonly name: string;
  readonly skip: boolean;
  /** A store on this backend (a fresh connection set for Redis: a new instance). */
  store(client?: RedisClientLike): ResumableStore;
}

const kits: Kit[] = [
  { name: 'memory', skip: false, store: () => memoryStore() },
  { name: 'redis', skip: skipRedis, store: (c) => redisStore({ client: c ?? client }) },
  // the same store over an ioredis client (fromIoredis), for the single-instance cases
  { name: 'redis (ioredis)', skip: skipRedis, store: (c) => redisStore({ client: c ?? ioredisClient(), prefix: 'rxllm:io:' }) },
];

/** An ioredis connection to the test server, wrapped for redisStore. */
function ioredisClient(): RedisClientLike {
  const io = new IORedis(server!.url, { protocol: 2 });
  opened.push({ close: async () => io.disconnect() });
  return fromIoredis(io as unknown as IoredisLike);
}

for (const kit of kits) {
  describe.skipIf(kit.skip)(`resumable on the ${kit.name} store`, () => {
    const make = (options: ResumableOptions = {}, store = kit.store()): Resumable => {
      stores.push(store);
      return resumable(store, { secret: 'test-secret', ...options });
    };

    it('publishes once; resume from 0 and from k gives the entries after k, then the terminal', async () => {
      const streams = make();
      const { source, state } = tracked(from(text(20)));
      const { id, events$ } = await streams.publish(source, OWNER);
      const all = await collect(events$);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(all.slice(0, 20).map((e) => ('value' in e ? e.value : undefined))).toEqual(text(20));
      expect(all[20]).toStrictEqual({ seq: 21, end: 'done' });
      expect(await collect(streams.resume(id, { ...OWNER, after: 0 }))).toStrictEqual(all);
      expect(await collect(streams.resume(id, { ...OWNER, after: 7 }))).toStrictEqual(all.slice(7));
      expect(await collect(streams.resume(id, { ...OWNER, after: '20' }))).toStrictEqual([{ seq: 21, end: 'done' }]);
      expect(await collect(streams.resume(id, { ...OWNER, after: 21 }))).toStrictEqual([]);
      expect(await collect(streams.resume(id, { ...OWNER, after: 99 }))).toStrictEqual([]);
      expect(state.subscribed).toBe(1);
    });

    it('two readers from 0 of a live stream see identical entries; a disconnect is not a cancel', async () => {
      const streams = make();
      const { source, state } = tracked(interval(2).pipe(take(40), map((n) => ({ n }))));
      const { id, events$ } = await streams.publish(source, OWNER);
      const first = await firstValueFrom(events$); // subscribe and leave: a disconnect
      const [a, b] = await Promise.all([collect(streams.resume(id, OWNER)), collect(streams.resume(id, OWNER))]);
      expect(first).toStrictEqual({ seq: 1, value: { n: 0 } });
      expect(a).toHaveLength(41);
      expect(a).toStrictEqual(b);
      expect(a.at(-1)).toStrictEqual({ seq: 41, end: 'done' });
      expect(state).toEqual({ subscribed: 1, abortedAt: undefined });
    });

    it('a reader at the live edge gets a new entry within 100 ms', async () => {
      const streams = make();
      const subject = new Subject<string>();
      const { id, events$ } = await streams.publish(subject, OWNER);
      const seen: Array<Entry<string>> = [];
      const sub = events$.subscribe((e) => seen.push(e));
      subject.next('a');
      subject.next('b');
      await until(() => seen.length === 2);
      const next = firstValueFrom(streams.resume<string>(id, { ...OWNER, after: 2 }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the reader is waiting at the edge
      const t0 = performance.now();
      subject.next('c');
      expect(await next).toStrictEqual({ seq: 3, value: 'c' });
      expect(performance.now() - t0).toBeLessThan(100);
      subject.complete();
      sub.unsubscribe();
    });

    it('a cursor past the last entry of a running stream is a bad cursor', async () => {
      const streams = make();
      const subject = new Subject<number>();
      const { id, cancel } = await streams.publish(subject, OWNER);
      const error = await errorOf(streams.resume(id, { ...OWNER, after: 5 }));
      expect(error).toBeInstanceOf(ResumableError);
      expect(error).toMatchObject({ code: 'bad_cursor', status: 400 });
      cancel();
    });

    it('unknown and foreign ids get the same not_found, for resume and cancel', async () => {
      const streams = make();
      const { id } = await streams.publish(from([1, 2]), OWNER);
      await collect(streams.resume(id, OWNER));
      const random = 'f'.repeat(8) + crypto.randomUUID().replaceAll('-', '').slice(8);
      const unknown = await errorOf(streams.resume(random, OWNER));
      const foreign = await errorOf(streams.resume(id, { owner: 'mallory' }));
      expect(unknown).toBeInstanceOf(ResumableError);
      expect(foreign).toStrictEqual(unknown);
      expect(unknown).toMatchObject({ code: 'not_found', status: 404 });
      const cancelUnknown = await streams.cancel(random, OWNER).catch((e: unknown) => e);
      const cancelForeign = await streams.cancel(id, { owner: 'mallory' }).catch((e: unknown) => e);
      expect(cancelForeign).toStrictEqual(cancelUnknown);
      expect(cancelUnknown).toStrictEqual(unknown);
    });

    it('cancel unsubscribes the source and ends the stream `cancelled`; cancelling again is fine', async () => {
      const streams = make();
      const { source, state } = tracked(interval(5).pipe(map((n) => ({ n }))));
      const { id, events$ } = await streams.publish(source, OWNER);
      const entries = collect(events$);
      await new Promise((resolve) => setTimeout(resolve, 40));
      await streams.cancel(id, OWNER);
      const all = await entries;
      const last = all.at(-1)!;
      expect(last).toMatchObject({ end: 'cancelled', error: { code: 'cancelled' } });
      expect(last.seq).toBe(all.length);
      expect(state.abortedAt).toBeDefined();
      await streams.cancel(id, OWNER);
      expect(await collect(streams.resume(id, { ...OWNER, after: last.seq }))).toStrictEqual([]);
    });

    it('a source error ends the stream `error` with an OpenAI-shaped error', async () => {
      const streams = make();
      const source = new Observable<number>((s) => {
        s.next(1);
        s.error(new ResumableError('boom', { code: 'gone' }));
      });
      const { events$ } = await streams.publish(source, OWNER);
      expect(await collect(events$)).toStrictEqual([
        { seq: 1, value: 1 },
        { seq: 2, end: 'error', error: { message: 'boom', type: 'server_error', code: 'rxllm_error', param: null } },
      ]);
    });

    it('policy fail: past maxStreamBytes the source is aborted and the stream ends with storage_limit', async () => {
      const streams = make({ maxStreamBytes: 10_000 });
      const { source, state } = tracked(interval(0).pipe(map((n) => ({ n, pad: 'x'.repeat(90) }))));
      const { events$ } = await streams.publish(source, OWNER);
      const all = await collect(events$);
      const last = all.at(-1)!;
      expect(last).toMatchObject({ end: 'error', error: { code: 'storage_limit' } });
      const bytes = all.filter((e) => 'value' in e).reduce((sum, e) => sum + JSON.stringify((e as { value: unknown }).value).length, 0);
      expect(bytes).toBeLessThanOrEqual(10_000);
      expect(bytes).toBeGreaterThan(9_800);
      expect(state.abortedAt).toBeDefined();
    });

    it('policy trim: old cursors are gone (410), recent ones resume exactly', async () => {
      const streams = make({ maxEntries: 50, policy: 'trim' });
      const { id } = await streams.publish(from(text(200)), OWNER);
      await until(async () => (await collect(streams.resume(id, { ...OWNER, after: 200 }))).length === 1);
      const error = await errorOf(streams.resume(id, { ...OWNER, after: 10 }));
      expect(error).toMatchObject({ code: 'gone', status: 410 });
      const tail = await collect(streams.resume(id, { ...OWNER, after: 160 }));
      expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => 161 + i));
    });

    it('maxRunningPerOwner: one more running stream is refused until one ends', async () => {
      const streams = make({ maxRunningPerOwner: 2 });
      const a = await streams.publish(new Subject(), OWNER);
      await streams.publish(new Subject(), OWNER);
      const refused = await streams.publish(new Subject(), OWNER).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ResumableError);
      expect(refused).toMatchObject({ code: 'too_many_streams', status: 429 });
      await streams.publish(new Subject(), { owner: 'bob' }); // another owner is not limited by alice's
      a.cancel();
      await collect(a.events$);
      await until(async () => (await streams.publish(new Subject(), OWNER).then(() => true, () => false)) === true);
    });

    it('after doneTtlMs an ended stream is gone: not_found', async () => {
      const streams = make({ doneTtlMs: 100 });
      const { id, events$ } = await streams.publish(from([1]), OWNER);
      await collect(events$);
      expect(await collect(streams.resume(id, OWNER))).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await errorOf(streams.resume(id, OWNER))).toMatchObject({ code: 'not_found' });
    });

    it('maxReaders: one more concurrent resume on this instance is refused', async () => {
      const streams = make({ maxReaders: 1 });
      const { id, cancel } = await streams.publish(new Subject(), OWNER);
      const first = streams.resume(id, OWNER).subscribe();
      expect(await errorOf(streams.resume(id, OWNER))).toMatchObject({ code: 'too_many_readers', status: 503 });
      first.unsubscribe();
      cancel();
      expect((await collect(streams.resume(id, OWNER))).at(-1)).toMatchObject({ end: 'cancelled' });
    });

    it('a malformed id or cursor is refused before the store is asked', async () => {
      let calls = 0;
      const counting: ResumableStore = new Proxy(kit.store(), {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? (...args: unknown[]) => (calls++, value.apply(target, args)) : value;
        },
      });
      const streams = make({}, counting);
      for (const id of ['', 'abc', 'F'.repeat(32), `${'a'.repeat(31)}g`, `${'a'.repeat(32)}\n`, '../' + 'a'.repeat(29), 'a'.repeat(33)]) {
        expect(await errorOf(streams.resume(id, OWNER))).toMatchObject({ code: 'bad_id', status: 400 });
        expect(await streams.cancel(id, OWNER).catch((e: unknown) => e)).toMatchObject({ code: 'bad_id' });
      }
      for (const after of [-1, 1.5, '01', '1e3', ' 1', 'x', String(2 ** 60)]) {
        expect(await errorOf(streams.resume('a'.repeat(32), { ...OWNER, after }))).toMatchObject({ code: 'bad_cursor', status: 400 });
      }
      expect(calls).toBe(0);
    });
  });
}

describe.skipIf(skipRedis)('resumable on Redis across instances', () => {
  const instance = (c: RedisClientLike, options: ResumableOptions = {}, prefix?: string) => {
    const store = redisStore({ client: c, prefix });
    stores.push(store);
    return resumable(store, { secret: 'test-secret', heartbeatMs: 1_000, ...options });
  };
  const keys = async (prefix: string) => ((await client.sendCommand(['KEYS', `${prefix}*`])) as string[]).sort();

  it('a stream published on A resumes on B, and B cancels it: A aborts its source within 1.5 s', async () => {
    const a = instance(client);
    const b = instance(await connectClient());
    const { source, state } = tracked(interval(10).pipe(map((n) => ({ n }))));
    const { id } = await a.publish(source, OWNER);
    const seen = await collect(b.resume<{ n: number }>(id, OWNER).pipe(take(5)));
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const t0 = performance.now();
    await b.cancel(id, OWNER);
    await until(() => state.abortedAt !== undefined, 1_500);
    expect(state.abortedAt! - t0).toBeLessThan(1_500);
    const all = await collect(b.resume(id, OWNER));
    expect(all.at(-1)).toMatchObject({ seq: all.length, end: 'cancelled' });
  });

  it('cancel through B reaches a silent producer on A within 1.5 s also when the control message is lost', async () => {
    const a = instance(client);
    const other = await connectClient();
    let published = 0;
    const dropPublish: RedisClientLike = {
      sendCommand: (args) => (args[0] === 'PUBLISH' ? (published++, Promise.resolve(0)) : other.sendCommand(args)),
      duplicate: () => other.duplicate(),
    };
    const b = instance(dropPublish);
    const { source, state } = tracked(new Subject<number>()); // silent: no append will see the flag
    const { id } = await a.publish(source, OWNER);
    const t0 = performance.now();
    await b.cancel(id, OWNER);
    expect(published).toBe(1);
    await until(() => state.abortedAt !== undefined, 1_500);
    expect(state.abortedAt! - t0).toBeLessThan(1_500);
    expect((await collect(b.resume(id, OWNER))).at(-1)).toMatchObject({ seq: 1, end: 'cancelled' });
  });

  it('a producer killed with SIGKILL ends `lost` within heartbeat TTL + 1 s', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./support/resumable-producer.ts', import.meta.url)), server!.url, '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`producer exited (${code})`)));
    });
    const reader = instance(client);
    const entries: Array<Entry<{ n: number }>> = [];
    const done = new Promise<number>((resolve, reject) =>
      reader.resume<{ n: number }>(id, OWNER).subscribe({ next: (e) => entries.push(e), error: reject, complete: () => resolve(performance.now()) }),
    );
    await until(() => entries.length >= 5);
    const killedAt = performance.now();
    child.kill('SIGKILL');
    const endedAt = await done;
    expect(endedAt - killedAt).toBeLessThan(2_000);
    const last = entries.at(-1)!;
    expect(last).toMatchObject({ end: 'lost', error: { code: 'stream_lost' } });
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  });

  it('every key has a TTL while live, and none remains after the done TTL', async () => {
    const streams = instance(client, { doneTtlMs: 300, maxRunningPerOwner: 5 }, 'ttl-test:');
    const subject = new Subject<number>();
    const { id, events$ } = await streams.publish(subject, OWNER);
    subject.next(1);
    await firstValueFrom(events$);
    const live = await keys('ttl-test:');
    expect(live).toStrictEqual([`ttl-test:{${id}}:e`, `ttl-test:{${id}}:h`, `ttl-test:{${id}}:m`, expect.stringMatching(/^ttl-test:\{o:[0-9a-f]{32}\}:running$/)]);
    for (const k of live) expect(Number(await client.sendCommand(['PTTL', k]))).toBeGreaterThan(0);
    subject.complete();
    await collect(events$);
    await until(async () => (await keys('ttl-test:')).length === 0, 1_500);
    expect(await errorOf(streams.resume(id, OWNER))).toMatchObject({ code: 'not_found' });
  });

  it('a large stream under a byte limit stays bounded in Redis (trim)', async () => {
    const limit = 256 * 1024;
    const streams = instance(client, { maxStreamBytes: limit, policy: 'trim' });
    const { source } = tracked(from(Array.from({ length: 20_000 }, (_, i) => ({ type: 'text', text: `token ${i} `.padEnd(80, '.') }))));
    const { id, events$ } = await streams.publish(source, OWNER);
    let count = 0;
    let maxUsage = 0;
    await lastValueFrom(
      events$.pipe(
        map(async (e) => {
          if (++count % 2_000 === 0) {
            maxUsage = Math.max(maxUsage, Number(await client.sendCommand(['MEMORY', 'USAGE', `rxllm:rs:{${id}}:e`])));
          }
          return e;
        }),
      ),
    ).catch((error: unknown) => expect(error).toMatchObject({ code: 'gone' })); // a slow reader may fall behind the trim
    const [bytes, first, last] = (await client.sendCommand(['HMGET', `rxllm:rs:{${id}}:m`, 'bytes', 'first', 'last'])) as string[];
    expect(Number(last)).toBe(20_001);
    expect(Number(bytes)).toBeLessThanOrEqual(limit);
    expect(Number(first)).toBeGreaterThan(16_000);
    const usage = Number(await client.sendCommand(['MEMORY', 'USAGE', `rxllm:rs:{${id}}:e`]));
    expect(Math.max(usage, maxUsage)).toBeLessThan(2 * limit);
    const tail = await collect(streams.resume(id, { ...OWNER, after: 19_990 }));
    expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => 19_991 + i));
  });
});
