/**
 * The producing side of `resumable`: runs a source into a store writer, in order, with the
 * heartbeat, the cancel paths and the storage-limit end.
 * @internal
 * @module
 */
import { HandlerSubscriber } from '../core/handler-subscriber.ts';
import type { Observable } from 'rxjs';
import { defaultErrorBody } from '../sse/frames.ts';
import type { OpenAIErrorBody } from '../sse/wire.ts';
import { storeFailed } from './errors.ts';
import type { EndKind, EntryError, StreamSettings, StreamWriter } from './store.ts';

/** Most values per append (one Lua call). */
const BATCH = 256;

const CANCELLED = JSON.stringify({ message: 'The stream was cancelled.', type: 'invalid_request_error', code: 'cancelled', param: null });

function storageLimit(which: string, limits: Pick<StreamSettings, 'maxEntries' | 'maxEntryBytes' | 'maxStreamBytes'>): string {
  const limit =
    which === 'entries'
      ? `${limits.maxEntries} entries (maxEntries)`
      : which === 'entry_bytes'
        ? `${limits.maxEntryBytes} bytes per entry (maxEntryBytes)`
        : `${limits.maxStreamBytes} bytes per stream (maxStreamBytes)`;
  return JSON.stringify({
    message: `The response passed the stream storage limit of ${limit}, so it was stopped and its request aborted. Raise the limit or use policy 'trim'.`,
    type: 'server_error',
    code: 'storage_limit',
    param: null,
  });
}

/**
 * Runs `source` into `writer`: values are batched while an append is in flight (in order), the
 * heartbeat runs every third of its lifetime, and the first cancel (local, control message,
 * flag seen by an append or a heartbeat) unsubscribes the source. Returns the cancel function.
 */
export function produce<T>(
  source: Observable<T>,
  writer: StreamWriter,
  limits: Omit<StreamSettings, 'ownerHash'>,
  formatError: (error: unknown) => OpenAIErrorBody,
  onEnd: () => void,
): () => void {
  let pending: string[] = [];
  let terminal: { end: EndKind; error?: string } | undefined;
  let cancelled = false;
  let fenced = false;
  let wake: (() => void) | undefined;
  const kick = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const errorJSON = (error: unknown) => {
    try {
      return JSON.stringify(formatError(error).error);
    } catch {
      return JSON.stringify(defaultErrorBody(undefined).error);
    }
  };

  const subscriber = new HandlerSubscriber<T>({
    next(value) {
      if (terminal !== undefined || cancelled) return;
      const data = JSON.stringify(value) as string | undefined;
      if (data === undefined) throw new TypeError(`resumable: a ${typeof value} value has no JSON form; publish JSON values.`);
      pending.push(data);
      kick();
    },
    error(error) {
      terminal ??= { end: 'error', error: errorJSON(error) };
      kick();
    },
    complete() {
      terminal ??= { end: 'done' };
      kick();
    },
  });
  const cancel = () => {
    if (cancelled || fenced) return;
    cancelled = true;
    subscriber.unsubscribe();
    kick();
  };
  writer.onCancel(cancel);

  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    writer.beat().then(
      (result) => {
        beating = false;
        if (result === 'cancelled') cancel();
        else if (result === 'fenced') {
          fenced = true;
          subscriber.unsubscribe();
          kick();
        }
      },
      () => {
        beating = false; // a failed heartbeat is retried at the next tick
      },
    );
  }, Math.max(10, Math.floor(limits.heartbeatMs / 3)));
  (heartbeat as { unref?: () => void }).unref?.();

  (async () => {
    try {
      for (;;) {
        if (fenced) return;
        if (cancelled) {
          await writer.finish('cancelled', CANCELLED);
          return;
        }
        if (pending.length > 0) {
          const batch = pending.length <= BATCH ? pending : pending.splice(0, BATCH);
          if (batch === pending) pending = [];
          const result = await writer.append(batch);
          if (result === 'ok') continue;
          subscriber.unsubscribe();
          pending = [];
          if (result === 'cancelled') cancelled = true;
          else if (result === 'fenced') fenced = true;
          else {
            terminal = { end: 'error', error: storageLimit(result, limits) };
            await writer.finish(terminal.end, terminal.error);
            return;
          }
          continue;
        }
        if (terminal !== undefined) {
          await writer.finish(terminal.end, terminal.error);
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } catch (error) {
      // the store failed: stop the source and end the stream if the store still takes it (else
      // readers find no heartbeat and end it `lost`)
      subscriber.unsubscribe();
      void writer.finish('error', JSON.stringify(storeFailedBody(error))).catch(() => {});
    } finally {
      clearInterval(heartbeat);
      pending = [];
      onEnd();
    }
  })();
  source.subscribe(subscriber);
  return cancel;
}

function storeFailedBody(error: unknown): EntryError {
  return { message: storeFailed('writing the stream', error).message, type: 'server_error', code: 'store_failed', param: null };
}
