/**
 * `rxllm/node`: Node.js bridges. `toNodeReadable` (an Observable as a `Readable`) and
 * `sseHandler` (a node:http handler serving deltas as OpenAI-compatible server-sent events,
 * aborting the upstream request when the client disconnects).
 * @module
 */
export { toNodeReadable } from './toNodeReadable.ts';
export type { NodeReadableOptions } from './toNodeReadable.ts';
export { sseHandler } from './sseHandler.ts';
export type { SSEHandlerOptions } from './sseHandler.ts';
export { fromWebHandler } from './fromWebHandler.ts';
