/**
 * The OpenAI Chat Completions wire shapes that `rxllm/sse` writes and reads: the
 * `chat.completion.chunk` object and the in-stream error event. They are written once, in the
 * OpenAI provider's `wire.ts` (both directions: what the decoder reads and what rxllm writes), and
 * re-exported here; declared there (not imported from the `openai` package) so `rxllm/sse` needs
 * no SDK and runs in browsers.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @module
 */
export type { ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionLogprobs, ChatCompletionChunkDelta, ChatCompletionChunkToolCall, ChatCompletionUsage, OpenAIErrorBody } from '../providers/openai/wire.ts';
