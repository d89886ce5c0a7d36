import { Observable, type Subscription } from 'rxjs';
import { defaultErrorBody } from '../sse/frames.ts';
import type { OpenAIErrorBody } from '../sse/wire.ts';
import { notFound, ResumableError, storeFailed } from './errors.ts';
import { checkCursor, checkStreamId, newStreamId, ownerHash } from './ids.ts';
import { memoryStore } from './memoryStore.ts';
import { produce } from './producer.ts';
import type { Entry, EntryError, ResumableStore, StoredEntry, StreamWriter } from './store.ts';

/** Options of {@link resumable}: the owner secret, limits, times to live, the error format. */
export interface ResumableOptions {
  /**
   * Key of the owner HMAC (the store keeps HMAC(secret, owner), never the owner). Give every
   * instance the same secret. Default: a fixed key (then the hash only hides the principal's text).
   */
  readonly secret?: string;
  /** Heartbeat lifetime, ms: a running stream whose producer has not beaten for this long ends `lost`. Default 5 000. */
  readonly heartbeatMs?: number;
  /** Time to live of a running stream's keys, renewed by each heartbeat, ms. Default 600 000 (10 min). */
  readonly liveTtlMs?: number;
  /** Time to live of a stream after its end, ms: resumable (and readable by id) until then. Default 300 000 (5 min). */
  readonly doneTtlMs?: number;
  /** Most entries kept per stream. Default 1 000 000. */
  readonly maxEntries?: number;
  /** Most bytes of one entry (its UTF-8 JSON). Default 1 MiB. */
  readonly maxEntryBytes?: number;
  /** Most bytes of a stream's entries kept (UTF-8 JSON). Default 16 MiB. */
  readonly maxStreamBytes?: number;
  /**
   * Past `maxEntries` or `maxStreamBytes`: `fail` (default) ends the stream with an `error`
   * terminal (code `storage_limit`) and unsubscribes the source (aborting the provider request);
   * `trim` drops the oldest entries, and resuming before them fails with `gone` (HTTP 410).
   * An entry over `maxEntryBytes` always fails.
   */
  readonly policy?: 'fail' | 'trim';
  /** Most streams one owner may have running at once (`publish` rejects with `too_many_streams`). Default no limit. */
  readonly maxRunningPerOwner?: number;
  /** Most resumes this instance serves at once (`resume` errors with `too_many_readers`). Default no limit. */
  readonly maxReaders?: number;
  /** The error object of an `error` terminal, from what the source raised. Default: as rxllm's SSE encoder writes it. */
  readonly formatError?: (error: unknown) => OpenAIErrorBody;
}

/** Who asks: the principal whose streams these are (an API key, a user id; `''` when the id alone is the capability). */
export interface OwnerOptions {
  readonly owner: string;
}

/** Options of {@link Resumable.resume}. */
export interface ResumeOptions extends OwnerOptions {
  /** The last sequence number the client has (its `Last-Event-ID`): entries after it come. Default 0 (from the start). */
  readonly after?: number | string;
}

/** A published stream: its id (the capability to resume and cancel it), its entries, and its cancel. */
export interface Published<T> {
  /** The stream id: 32 hex digits (128 random bits). */
  readonly id: string;
  /** The entries from the first, as the store acknowledged them (the same as `resume(id, { owner, after: 0 })`). */
  readonly events$: Observable<Entry<T>>;
  /** Cancels the stream: unsubscribes the source (aborting the provider request); the terminal is `cancelled`. */
  cancel(): void;
}

/** The handle {@link resumable} returns. */
export interface Resumable {
  /**
   * Creates a stream in the store and subscribes `source` once, independently of any reader:
   * a disconnect is not a cancel. Each value is stored (as JSON) before any reader sees it.
   * Completion ends the stream with `done`, an error with `error`. Rejects with `too_many_streams`.
   */
  publish<T>(source: Observable<T>, options: OwnerOptions): Promise<Published<T>>;
  /**
   * The stream's entries after `after`, then the live ones, up to and including its terminal;
   * completes without entries when `after` is at or past the terminal. Errors with a
   * {@link ResumableError}: `bad_id` / `bad_cursor` (before the store is asked), `not_found`
   * (unknown, expired and foreign ids alike), `gone` (trimmed), `too_many_readers`.
   * Unsubscribing is a disconnect: the stream goes on.
   */
  resume<T = unknown>(id: string, options: ResumeOptions): Observable<Entry<T>>;
  /**
   * Cancels a stream from any instance: sets its cancel flag and tells the producing instance,
   * which unsubscribes its source (within one heartbeat interval even if the message is lost).
   * Idempotent: resolves for a running or ended stream; rejects with `not_found` or `bad_id`.
   */
  cancel(id: string, options: OwnerOptions): Promise<void>;
}

/**
 * Makes streams resumable: `publish` runs a source once into a store and hands out an id;
 * `resume` reads it from any sequence number on, on any instance sharing the store; `cancel`
 * stops it from anywhere.
 *
 * <span class="informal">A `shareReplay` that survives disconnects and instances: the store,
 * not the subscriber, holds the stream, and the provider request is paid for once.</span>
 *
 * On source complete: the terminal `done`. On source error: the terminal `error`, its `error`
 * from `formatError`. On `cancel` (here, from another instance, or through the store's flag):
 * the source is unsubscribed and the terminal is `cancelled`. On a storage limit (policy
 * `fail`): the source is unsubscribed and the terminal is `error` with code `storage_limit`.
 * If the producing process dies, the first reader that finds no heartbeat writes `lost`.
 * Unsubscribing a reader (`events$`, `resume`) never stops the source.
 *
 * @example
 * ```ts
 * const streams = resumable(redisStore({ client }), { secret: process.env.RESUME_SECRET });
 * const { id, events$ } = await streams.publish(fromOpenAI(openai, params), { owner: userId });
 * // later, anywhere: the entries after the last one the client saw
 * streams.resume(id, { owner: userId, after: lastEventId }).subscribe(render);
 * ```
 *
 * @see memoryStore
 * @see redisStore
 * @param store Where streams live. Default: `memoryStore()` (this process only).
 * @param options `secret`, `heartbeatMs`, `liveTtlMs`, `doneTtlMs` (ms), `maxEntries`,
 * `maxEntryBytes`, `maxStreamBytes` (bytes), `policy`, `maxRunningPerOwner`, `maxReaders`, `formatError`.
 * @return `{ publish, resume, cancel }`.
 */
export function resumable(store: ResumableStore = memoryStore(), options: ResumableOptions = {}): Resumable {
  const secret = options.secret || 'rxllm/resumable';
  const formatError = options.formatError ?? defaultErrorBody;
  const maxReaders = options.maxReaders ?? Infinity;
  const limits = {
    heartbeatMs: options.heartbeatMs ?? 5_000,
    liveTtlMs: options.liveTtlMs ?? 600_000,
    doneTtlMs: options.doneTtlMs ?? 300_000,
    maxEntries: options.maxEntries ?? 1_000_000,
    maxEntryBytes: options.maxEntryBytes ?? 1024 * 1024,
    maxStreamBytes: options.maxStreamBytes ?? 16 * 1024 * 1024,
    policy: options.policy ?? 'fail',
    maxRunningPerOwner: options.maxRunningPerOwner ?? Infinity,
  } as const;
  const producers = new Map<string, () => void>();
  let readers = 0;

  const read = <T>(id: string, hash: Promise<string>, after: number): Observable<Entry<T>> =>
    new Observable<Entry<T>>((subscriber) => {
      if (readers >= maxReaders) {
        subscriber.error(
          new ResumableError(`This instance serves ${maxReaders} resumes already (maxReaders); retry shortly.`, { code: 'too_many_readers' }),
        );
        return;
      }
      readers++;
      let inner: Subscription | undefined;
      let closed = false;
      hash.then(
        (owner) => {
          if (closed) return;
          inner = store.read(id, owner, after).subscribe({
            next: (stored) => subscriber.next(decode<T>(stored)),
            error: (error) => subscriber.error(error),
            complete: () => subscriber.complete(),
          });
        },
        (error) => subscriber.error(error),
      );
      return () => {
        closed = true;
        readers--;
        inner?.unsubscribe();
      };
    });

  return {
    async publish<T>(source: Observable<T>, { owner }: OwnerOptions): Promise<Published<T>> {
      const id = newStreamId();
      const hash = ownerHash(secret, owner);
      const settings = { ownerHash: await hash, ...limits };
      let writer: StreamWriter;
      try {
        writer = await store.create(id, settings);
      } catch (error) {
        throw error instanceof ResumableError ? error : storeFailed('creating a stream', error);
      }
      const cancel = produce(source, writer, limits, formatError, () => producers.delete(id));
      producers.set(id, cancel);
      return { id, events$: read<T>(id, hash, 0), cancel };
    },

    resume<T>(id: string, { owner, after = 0 }: ResumeOptions): Observable<Entry<T>> {
      return new Observable<Entry<T>>((subscriber) => {
        let cursor: number;
        try {
          checkStreamId(id);
          cursor = checkCursor(after);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        return read<T>(id, ownerHash(secret, owner), cursor).subscribe(subscriber);
      });
    },

    async cancel(id: string, { owner }: OwnerOptions): Promise<void> {
      checkStreamId(id);
      let found: boolean;
      try {
        found = await store.cancel(id, await ownerHash(secret, owner));
      } catch (error) {
        throw storeFailed('cancelling a stream', error);
      }
      if (!found) throw notFound();
      producers.get(id)?.();
    },
  };
}

function decode<T>(stored: StoredEntry): Entry<T> {
  if (stored.end === undefined) return { seq: stored.seq, value: JSON.parse(stored.data!) as T };
  if (stored.error === undefined || stored.error === '') return { seq: stored.seq, end: stored.end };
  return { seq: stored.seq, end: stored.end, error: JSON.parse(stored.error) as EntryError };
}
