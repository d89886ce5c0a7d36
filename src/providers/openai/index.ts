/**
 * `rxllm/openai`: OpenAI's Chat Completions (also Groq, DeepSeek, xAI, OpenRouter, Ollama and vLLM
 * through the client's `baseURL`) and Responses APIs (the `openai` SDK) as cold `Observable<Delta>`s.
 * @module
 */
export { fromOpenAI } from './from-openai.ts';
export type { FromOpenAIOptions, OpenAIChatParams, OpenAIRequestOptions } from './from-openai.ts';
export { fromOpenAIResponses } from '../openai-responses/from-openai-responses.ts';
export type { FromOpenAIResponsesOptions, OpenAIResponsesParams } from '../openai-responses/from-openai-responses.ts';
export { ChatStreamMapper } from './decode-stream.ts';
export { mapChatCompletion } from './decode-response.ts';
export { mapChatFinishReason } from './finish-reason.ts';
export { mapChatUsage } from './usage.ts';
export type { ChatMappingOptions } from './decode-stream.ts';
export type { DeltaSink } from '../../core/delta.ts';
export { ResponsesStreamMapper } from '../openai-responses/decode-stream.ts';
export { mapIncompleteReason } from '../openai-responses/finish-reason.ts';
export { mapResponseUsage } from '../openai-responses/usage.ts';
export { openaiAdapter } from './adapter.ts';
export { isOpenAIStreamingUnsupported } from './stream-errors.ts';
export { toOpenAIParams } from './to-params.ts';
export { openaiResponsesAdapter } from '../openai-responses/adapter.ts';
export { toResponsesParams } from '../openai-responses/to-params.ts';
export type * from './wire.ts';
export type * from '../openai-responses/wire.ts';
