/**
 * `rxllm/openai`: OpenAI's Chat Completions (also Groq, DeepSeek, xAI, OpenRouter, Ollama and vLLM
 * through the client's `baseURL`) and Responses APIs (the `openai` SDK) as cold `Observable<Delta>`s.
 * @module
 */
export { fromOpenAI } from './from-openai.ts';
export type { FromOpenAIOptions, OpenAIChatParams, OpenAIRequestOptions } from './from-openai.ts';
export { fromOpenAIResponses } from './from-openai-responses.ts';
export type { FromOpenAIResponsesOptions, OpenAIResponsesParams } from './from-openai-responses.ts';
export { ChatStreamMapper, mapChatCompletion, mapChatFinishReason, mapChatUsage } from './chat-mapping.ts';
export type { ChatMappingOptions } from './chat-mapping.ts';
export type { DeltaSink } from '../../delta.ts';
export { ResponsesStreamMapper, mapIncompleteReason, mapResponseUsage } from './responses-mapping.ts';
