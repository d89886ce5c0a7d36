import { Observable } from 'rxjs';
import { gone, notFound, pastEnd, ResumableError } from './errors.ts';
import {
  type AppendResult,
  type EndKind,
  type ResumableStore,
  type StoredEntry,
  type StreamSettings,
  type StreamWriter,
  utf8Length,
} from './store.ts';

interface MemoryStream {
  readonly settings: StreamSettings;
  /** Entries; `entries[head]` has sequence number `first` (values and, last, the terminal). */
  entries: StoredEntry[];
  head: number;
  first: number;
  last: number;
  bytes: number;
  running: boolean;
  cancel: boolean;
  readonly readers: Set<(entry: StoredEntry) => void>;
  readonly cancelListeners: Array<() => void>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The embedded store of `resumable`: streams live in this process's memory, so resume works
 * across disconnects to the same instance (use `redisStore` behind a load balancer). Limits and
 * times to live behave as in Redis; nothing survives a restart.
 *
 * <span class="informal">A `Map` of arrays with the same contract as `redisStore`.</span>
 *
 * @example
 * ```ts
 * const streams = resumable(memoryStore(), { secret: process.env.RESUME_SECRET });
 * ```
 *
 * @see redisStore
 * @return A store for {@link resumable}.
 */
export function memoryStore(): ResumableStore {
  const streams = new Map<string, MemoryStream>();
  const running = new Map<string, Set<string>>();

  const expireIn = (id: string, stream: MemoryStream, ms: number) => {
    if (stream.timer !== undefined) clearTimeout(stream.timer);
    stream.timer = setTimeout(() => {
      if (streams.get(id) !== stream) return;
      streams.delete(id);
      release(id, stream);
    }, ms);
    (stream.timer as { unref?: () => void }).unref?.();
  };
  const release = (id: string, stream: MemoryStream) => {
    const owned = running.get(stream.settings.ownerHash);
    owned?.delete(id);
    if (owned?.size === 0) running.delete(stream.settings.ownerHash);
  };
  const push = (stream: MemoryStream, entry: StoredEntry) => {
    stream.entries.push(entry);
    for (const reader of [...stream.readers]) reader(entry);
  };

  return {
    async create(id, settings) {
      const owned = running.get(settings.ownerHash) ?? new Set<string>();
      if (owned.size >= settings.maxRunningPerOwner) throw tooManyStreams(settings.maxRunningPerOwner);
      owned.add(id);
      running.set(settings.ownerHash, owned);
      const stream: MemoryStream = {
        settings,
        entries: [],
        head: 0,
        first: 1,
        last: 0,
        bytes: 0,
        running: true,
        cancel: false,
        readers: new Set(),
        cancelListeners: [],
        timer: undefined,
      };
      streams.set(id, stream);
      expireIn(id, stream, settings.liveTtlMs);
      const mine = () => streams.get(id) === stream && stream.running;
      const writer: StreamWriter = {
        async append(data) {
          if (!mine()) return 'fenced';
          if (stream.cancel) return 'cancelled';
          const { maxEntries, maxEntryBytes, maxStreamBytes, policy } = settings;
          for (const text of data) {
            const length = utf8Length(text);
            let result: AppendResult | undefined;
            if (length > maxEntryBytes) result = 'entry_bytes';
            else if (policy === 'fail' && stream.last - stream.first + 2 > maxEntries) result = 'entries';
            else if (policy === 'fail' && stream.bytes + length > maxStreamBytes) result = 'stream_bytes';
            if (result !== undefined) return result;
            stream.last++;
            stream.bytes += length;
            push(stream, { seq: stream.last, data: text });
            while (policy === 'trim' && stream.first < stream.last && (stream.last - stream.first + 1 > maxEntries || stream.bytes > maxStreamBytes)) {
              stream.bytes -= utf8Length(stream.entries[stream.head]!.data!);
              stream.head++;
              stream.first++;
            }
            if (stream.head > 1024 && stream.head * 2 > stream.entries.length) {
              stream.entries = stream.entries.slice(stream.head);
              stream.head = 0;
            }
          }
          return 'ok';
        },
        async beat() {
          if (!mine()) return 'fenced';
          expireIn(id, stream, settings.liveTtlMs);
          return stream.cancel ? 'cancelled' : 'ok';
        },
        async finish(end: EndKind, error?: string) {
          if (!mine()) return;
          stream.running = false;
          stream.last++;
          release(id, stream);
          expireIn(id, stream, settings.doneTtlMs);
          stream.cancelListeners.length = 0;
          push(stream, error === undefined ? { seq: stream.last, end } : { seq: stream.last, end, error });
        },
        onCancel(listener) {
          stream.cancelListeners.push(listener);
        },
      };
      return writer;
    },

    read(id, ownerHash, after) {
      return new Observable<StoredEntry>((subscriber) => {
        const stream = streams.get(id);
        if (stream === undefined || stream.settings.ownerHash !== ownerHash) return subscriber.error(notFound());
        if (after >= stream.last && !stream.running) return subscriber.complete();
        if (after > stream.last) return subscriber.error(pastEnd(after, stream.last));
        if (after + 1 < stream.first) return subscriber.error(gone(after, stream.first));
        let next = after + 1;
        const deliver = (entry: StoredEntry) => {
          if (entry.seq !== next) return subscriber.error(gone(next - 1, entry.seq));
          next++;
          subscriber.next(entry);
          if (entry.end !== undefined) subscriber.complete();
        };
        const backlog = stream.entries.slice(stream.head + next - stream.first);
        stream.readers.add(deliver);
        for (const entry of backlog) {
          if (subscriber.closed) break;
          deliver(entry);
        }
        return () => {
          stream.readers.delete(deliver);
        };
      });
    },

    async cancel(id, ownerHash) {
      const stream = streams.get(id);
      if (stream === undefined || stream.settings.ownerHash !== ownerHash) return false;
      if (!stream.running || stream.cancel) return true;
      stream.cancel = true;
      for (const listener of stream.cancelListeners) listener();
      return true;
    },

    async close() {
      for (const stream of streams.values()) if (stream.timer !== undefined) clearTimeout(stream.timer);
      streams.clear();
      running.clear();
    },
  };
}

/** The owner runs `limit` streams already. @internal */
export function tooManyStreams(limit: number): ResumableError {
  return new ResumableError(`This owner has ${limit} streams running, the most allowed (maxRunningPerOwner); wait for one to end or cancel one.`, {
    code: 'too_many_streams',
  });
}
