import { createHash } from 'node:crypto';
import { Observable } from 'rxjs';
import { gone, notFound, pastEnd, ResumableError, storeFailed } from './errors.ts';
import { checkStreamId } from './ids.ts';
import { tooManyStreams } from './memoryStore.ts';
import { APPEND, BEAT, CANCEL, CREATE, FINISH, OWNER_ADD, OWNER_BEAT, PROBE } from './redis-scripts.ts';
import { type AppendResult, LOST_ERROR, type ResumableStore, type StoredEntry, type StreamWriter } from './store.ts';

/** What `redisStore` uses of a node-redis client (`createClient()` from `redis` 4 and later). */
export interface RedisClientLike {
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): RedisConnectionLike;
}

/** A dedicated connection made by `duplicate()`: a blocking reader or the control subscriber. */
export interface RedisConnectionLike {
  sendCommand(args: readonly string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** A connected node-redis client (`await createClient({ url }).connect()`); the store makes its own connections with `duplicate()`. */
  readonly client: RedisClientLike;
  /** Prefix of every key and of the control channel. Default `rxllm:rs:`. */
  readonly prefix?: string;
}

const MAX = 2 ** 53 - 1;

/**
 * A store on Redis Streams, shared by every instance that uses the same Redis: a stream
 * published on one instance resumes and cancels on any other.
 *
 * <span class="informal">One Redis stream per response, entry ids `<seq>-0`, read with one
 * `XREAD BLOCK` loop from the cursor on: replay and live tail without a hand-over.</span>
 *
 * Each stream has three keys, hash-tagged on its id (`<prefix>{<id>}:e` entries, `:m` meta,
 * `:h` heartbeat), all with a time to live (sliding while the stream runs, `doneTtlMs` after).
 * Create, append, heartbeat and finish are Lua scripts checking the producer's fence token;
 * append and heartbeat return the cancel flag. `cancel` sets the flag and publishes the id on
 * `<prefix>cancel`, which the producing instance subscribes to (one connection per store). Each
 * reader blocks on its own connection from `client.duplicate()`, closed on unsubscribe; when its
 * `XREAD` times out (at most 1 s) it probes the heartbeat and writes the terminal `lost` if the
 * producer vanished. Owners with a running-stream limit get a sorted set `<prefix>{o:<hash>}:running`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const streams = resumable(redisStore({ client }), { secret: process.env.RESUME_SECRET });
 * ```
 *
 * @see memoryStore
 * @param options `client` (node-redis, connected), `prefix`.
 * @return A store for `resumable`; `close()` ends its own connections, not `client`.
 */
export function redisStore(options: RedisStoreOptions): ResumableStore {
  const { client } = options;
  const prefix = options.prefix ?? 'rxllm:rs:';
  const channel = `${prefix}cancel`;
  const key = (id: string, part: 'e' | 'm' | 'h') => `${prefix}{${id}}:${part}`;
  const ownerKey = (hash: string) => `${prefix}{o:${hash}}:running`;
  const connections = new Set<RedisConnectionLike>();
  const cancelListeners = new Map<string, () => void>();
  let control: Promise<RedisConnectionLike> | undefined;

  const connect = async () => {
    const connection = client.duplicate();
    connection.on('error', () => {}); // failures reach the pending command; node-redis reconnects
    connections.add(connection);
    try {
      await connection.connect();
    } catch (error) {
      connections.delete(connection);
      throw error;
    }
    return connection;
  };
  const listen = () =>
    (control ??= connect().then(async (connection) => {
      await connection.subscribe(channel, (id) => cancelListeners.get(id)?.());
      return connection;
    }));
  const drop = (connection: RedisConnectionLike) => {
    if (!connections.delete(connection)) return;
    try {
      connection.destroy();
    } catch {
      /* already closed */
    }
  };

  return {
    async create(id, settings) {
      checkStreamId(id);
      const fence = crypto.randomUUID();
      const limited = Number.isFinite(settings.maxRunningPerOwner);
      if (limited) {
        const added = await evalScript(client, OWNER_ADD, [ownerKey(settings.ownerHash)], [
          id,
          String(settings.maxRunningPerOwner),
          String(settings.heartbeatMs),
          String(settings.liveTtlMs),
        ]);
        if (Number(added) !== 1) throw tooManyStreams(settings.maxRunningPerOwner);
      }
      await listen();
      const created = await evalScript(client, CREATE, [key(id, 'm'), key(id, 'h')], [
        fence,
        settings.ownerHash,
        String(settings.heartbeatMs),
        String(settings.liveTtlMs),
        String(settings.doneTtlMs),
        String(Math.min(settings.maxEntries, MAX)),
        String(Math.min(settings.maxEntryBytes, MAX)),
        String(Math.min(settings.maxStreamBytes, MAX)),
        settings.policy,
      ]);
      if (Number(created) !== 1) throw new ResumableError(`Stream ${id} exists already; ids must be fresh.`, { code: 'bad_id' });
      const released = () => {
        cancelListeners.delete(id);
        if (limited) void client.sendCommand(['ZREM', ownerKey(settings.ownerHash), id]).catch(() => {});
      };
      const writer: StreamWriter = {
        async append(data) {
          const result = String(await evalScript(client, APPEND, [key(id, 'e'), key(id, 'm')], [fence, ...data])) as AppendResult;
          if (result === 'fenced') released();
          return result;
        },
        async beat() {
          const result = String(await evalScript(client, BEAT, [key(id, 'm'), key(id, 'h'), key(id, 'e')], [fence])) as 'ok' | 'cancelled' | 'fenced';
          if (result === 'fenced') released();
          else if (limited) {
            await evalScript(client, OWNER_BEAT, [ownerKey(settings.ownerHash)], [id, String(settings.heartbeatMs), String(settings.liveTtlMs)]);
          }
          return result;
        },
        async finish(end, error) {
          try {
            await evalScript(client, FINISH, [key(id, 'e'), key(id, 'm'), key(id, 'h')], [fence, end, error ?? '']);
          } finally {
            released();
          }
        },
        onCancel(listener) {
          cancelListeners.set(id, listener);
        },
      };
      return writer;
    },

    read(id, ownerHash, after) {
      return new Observable<StoredEntry>((subscriber) => {
        let closed = false;
        let connection: RedisConnectionLike | undefined;
        (async () => {
          checkStreamId(id);
          const [owner, state, lastText, firstText, hbText] = (await client.sendCommand([
            'HMGET',
            key(id, 'm'),
            'owner',
            'state',
            'last',
            'first',
            'hb',
          ])) as Array<string | null>;
          if (owner !== ownerHash) throw notFound();
          const last = Number(lastText);
          const first = Number(firstText);
          if (state !== 'running' && after >= last) return subscriber.complete();
          if (after > last) throw pastEnd(after, last);
          if (after + 1 < first) throw gone(after, first);
          const block = String(Math.max(10, Math.min(1_000, Number(hbText))));
          connection = await connect();
          if (closed) return;
          let next = after + 1;
          for (;;) {
            const reply = await connection.sendCommand(['XREAD', 'COUNT', '1000', 'BLOCK', block, 'STREAMS', key(id, 'e'), `${next - 1}-0`]);
            if (closed) return;
            const entries = entriesOf(reply);
            if (entries.length === 0) {
              const probe = await evalScript(client, PROBE, [key(id, 'e'), key(id, 'm'), key(id, 'h')], [LOST_ERROR]);
              if (probe === 'missing') throw notFound();
              continue;
            }
            for (const [entryId, fields] of entries) {
              const seq = Number.parseInt(entryId, 10);
              if (seq !== next) throw gone(next - 1, seq);
              next++;
              const entry = storedEntry(seq, fields);
              subscriber.next(entry);
              if (closed) return;
              if (entry.end !== undefined) return subscriber.complete();
            }
          }
        })()
          .catch((error) => {
            if (!closed) subscriber.error(error instanceof ResumableError ? error : storeFailed('reading a stream', error));
          })
          .finally(() => {
            if (connection !== undefined) drop(connection);
          });
        return () => {
          closed = true;
          if (connection !== undefined) drop(connection);
        };
      });
    },

    async cancel(id, ownerHash) {
      checkStreamId(id);
      const state = await evalScript(client, CANCEL, [key(id, 'm')], [ownerHash]);
      if (state === 'missing') return false;
      if (state === 'running') await client.sendCommand(['PUBLISH', channel, id]);
      return true;
    },

    async close() {
      control = undefined;
      cancelListeners.clear();
      for (const connection of [...connections]) drop(connection);
    },
  };
}

/** The `[id, fields]` pairs of an `XREAD` reply: RESP2 `[[key, entries]]`, RESP3 `{ key: entries }` (or a Map), or null. */
function entriesOf(reply: unknown): Array<[string, string[]]> {
  if (reply == null) return [];
  if (Array.isArray(reply)) return (reply[0]?.[1] ?? []) as Array<[string, string[]]>;
  if (reply instanceof Map) return ([...reply.values()][0] ?? []) as Array<[string, string[]]>;
  return (Object.values(reply as Record<string, unknown>)[0] ?? []) as Array<[string, string[]]>;
}

function storedEntry(seq: number, fields: string[]): StoredEntry {
  let data: string | undefined;
  let end: string | undefined;
  let error: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = String(fields[i + 1]);
    switch (String(fields[i])) {
      case 'v':
        data = value;
        break;
      case 'end':
        end = value;
        break;
      case 'error':
        error = value;
        break;
    }
  }
  if (end === undefined) return { seq, data: data ?? 'null' };
  return error === undefined || error === '' ? { seq, end: end as StoredEntry['end'] & string } : { seq, end: end as StoredEntry['end'] & string, error };
}

interface Script {
  readonly text: string;
  readonly sha: string;
}

const scripts = new Map<string, Script>();

/** Runs a script by SHA (`EVALSHA`), loading it with `EVAL` when the server lacks it. */
async function evalScript(client: RedisClientLike, text: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  let script = scripts.get(text);
  if (script === undefined) {
    script = { text, sha: createHash('sha1').update(text).digest('hex') };
    scripts.set(text, script);
  }
  try {
    return await client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', script.text, String(keys.length), ...keys, ...args]);
  }
}
