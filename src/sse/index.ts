/**
 * `rxllm/sse`: OpenAI-compatible server-sent events, both ways, browser-safe (no Node imports).
 * Encode deltas as `chat.completion.chunk` events (`toChatCompletionChunks`,
 * `toServerSentEvents`, `toSSEResponse`, `sseResponse`) and decode such a stream back into deltas
 * (`fromSSE`).
 * @module
 */
export { toChatCompletionChunks } from './toChatCompletionChunks.ts';
export type { ChatCompletionChunksOptions } from './toChatCompletionChunks.ts';
export { toServerSentEvents } from './toServerSentEvents.ts';
export type { ServerSentEventsOptions } from './toServerSentEvents.ts';
export { sseResponse, toSSEResponse } from './toSSEResponse.ts';
export type { SSERequestHandlerOptions, ToSSEResponseOptions } from './toSSEResponse.ts';
export { SSE_HEADERS } from './sse-writer.ts';
export type { SSEResponseOptions } from './sse-writer.ts';
export { fromSSE } from './fromSSE.ts';
export type { FromSSEOptions, SSEInput, SSEResume } from './fromSSE.ts';
export type {
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionChunkDelta,
  ChatCompletionChunkToolCall,
  ChatCompletionLogprobs,
  ChatCompletionUsage,
  OpenAIErrorBody,
} from './wire.ts';
