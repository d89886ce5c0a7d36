/**
 * What `resumable` keeps in a store, and the interface a store implements (`memoryStore`,
 * `redisStore`). Values travel as JSON text; sequence numbers are dense from 1, the terminal
 * entry included.
 * @module
 */
import type { Observable } from 'rxjs';

/** How a stream ended: completed, failed (`error` says how), cancelled, or its producer vanished (`lost`). */
export type EndKind = 'done' | 'error' | 'cancelled' | 'lost';

/** The OpenAI-shaped error of a terminal entry (the `error` object of an error event). */
export interface EntryError {
  readonly message: string;
  readonly type: string;
  readonly code: string | null;
  readonly param?: null;
  readonly status_code?: number;
}

/** One value of the stream, numbered from 1. */
export interface ValueEntry<T> {
  readonly seq: number;
  readonly value: T;
}

/** The last entry of every stream: how it ended, with the error for every end but `done`. */
export interface EndEntry {
  readonly seq: number;
  readonly end: EndKind;
  readonly error?: EntryError;
}

/** An entry of a resumable stream: a value, or the terminal. */
export type Entry<T> = ValueEntry<T> | EndEntry;

/** An entry as a store holds it: `data` (JSON) for a value, `end` (and `error` JSON) for the terminal. */
export interface StoredEntry {
  readonly seq: number;
  readonly data?: string;
  readonly end?: EndKind;
  readonly error?: string;
}

/** Settings of one stream, fixed at its creation (a store keeps them with the stream). */
export interface StreamSettings {
  /** HMAC of the owner's principal. */
  readonly ownerHash: string;
  /** The producer's heartbeat lifetime, ms: a running stream without heartbeat for this long is `lost`. */
  readonly heartbeatMs: number;
  /** Time to live of every key while the stream runs (sliding, renewed by each heartbeat), ms. */
  readonly liveTtlMs: number;
  /** Time to live of every key after the end, ms. */
  readonly doneTtlMs: number;
  /** Most entries kept. */
  readonly maxEntries: number;
  /** Most bytes (UTF-8 JSON) of one entry. */
  readonly maxEntryBytes: number;
  /** Most bytes (UTF-8 JSON) of the entries kept. */
  readonly maxStreamBytes: number;
  /** Past `maxEntries` / `maxStreamBytes`: `fail` ends the stream, `trim` drops the oldest entries. */
  readonly policy: 'fail' | 'trim';
  /** Most streams running at once per owner (`Infinity`: no limit). */
  readonly maxRunningPerOwner: number;
}

/**
 * What an append did: `ok` (stored), `cancelled` (the cancel flag is set; nothing stored),
 * `fenced` (the stream is no longer this producer's: it ended, was declared lost, or expired),
 * or the limit that stopped it (values before it in the batch were stored).
 */
export type AppendResult = 'ok' | 'cancelled' | 'fenced' | 'entries' | 'entry_bytes' | 'stream_bytes';

/** The producer's handle on the stream it created; holds the fence token. */
export interface StreamWriter {
  /** Appends values (JSON texts) as the next sequence numbers, atomically checking fence, cancel flag and limits. */
  append(data: readonly string[]): Promise<AppendResult>;
  /** Renews the heartbeat and the keys' time to live; reports the cancel flag. */
  beat(): Promise<'ok' | 'cancelled' | 'fenced'>;
  /** Writes the terminal entry (unless fenced) and shortens the time to live to `doneTtlMs`. */
  finish(end: EndKind, error?: string): Promise<void>;
  /** Calls `listener` when a cancel message for this stream arrives (from any instance). */
  onCancel(listener: () => void): void;
}

/** Where resumable streams live: one process (`memoryStore`) or shared by instances (`redisStore`). */
export interface ResumableStore {
  /** Creates stream `id`; rejects with `too_many_streams` past the owner's limit. */
  create(id: string, settings: StreamSettings): Promise<StreamWriter>;
  /**
   * The entries after `after`, then the live ones, up to and including the terminal; completes
   * empty when `after` is at or past the terminal. Errors with `not_found` (no such stream for
   * this owner), `gone` (trimmed) or `bad_cursor` (past the last entry of a running stream).
   */
  read(id: string, ownerHash: string, after: number): Observable<StoredEntry>;
  /** Sets the cancel flag and tells the producer; false when no such stream exists for this owner. */
  cancel(id: string, ownerHash: string): Promise<boolean>;
  /** Releases what the store opened (connections, timers). */
  close(): Promise<void>;
}

/** The error JSON of a `lost` terminal. @internal */
export const LOST_ERROR = JSON.stringify({
  message: 'The instance producing this stream stopped (no heartbeat); the answer is incomplete. Send the request again.',
  type: 'server_error',
  code: 'stream_lost',
  param: null,
});

/** UTF-8 length of a string, without encoding it. @internal */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2; // 4 bytes for 2 UTF-16 units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
