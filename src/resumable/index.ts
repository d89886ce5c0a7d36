/**
 * `rxllm/resumable`: streams that survive disconnects and instances. `resumable(store)` publishes
 * an Observable once into a store (`memoryStore()` in this process, `redisStore({ client })` on
 * Redis Streams) and hands out an id to resume it from any sequence number, on any instance, or
 * to cancel it; the HTTP helpers serve it as server-sent events with `Last-Event-ID`.
 * @module
 */
export { resumable } from './resumable.ts';
export type { OwnerOptions, Published, Resumable, ResumableOptions, ResumeOptions } from './resumable.ts';
export { memoryStore } from './memoryStore.ts';
export { redisStore } from './redisStore.ts';
export { fromIoredis } from './ioredis.ts';
export type { IoredisLike } from './ioredis.ts';
export type { RedisClientLike, RedisConnectionLike, RedisStoreOptions } from './redisStore.ts';
export { ResumableError } from './errors.ts';
export type { ResumableErrorCode } from './errors.ts';
export { isStreamId } from './ids.ts';
export { cancelHandler, resumeHandler, toResumableResponse } from './http.ts';
export type { ResumableHandlerOptions, ResumableResponseOptions, ResumeHandlerOptions } from './http.ts';
export type {
  AppendResult,
  EndEntry,
  EndKind,
  Entry,
  EntryError,
  ResumableStore,
  StoredEntry,
  StreamSettings,
  StreamWriter,
  ValueEntry,
} from './store.ts';
