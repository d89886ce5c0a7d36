/**
 * `rxllm/gateway`: an OpenAI-compatible Chat Completions endpoint over any provider adapter, as
 * a library: put Claude, Gemini or Bedrock behind the OpenAI API in your own server. Handlers for
 * Web `Request`/`Response` and node:http, and the pieces they are made of (the body reader, the
 * OpenAI body → `ChatRequest` parser, the `chat.completion` builder, the OpenAI error body).
 * @module
 */
export { chatCompletionsHandler } from './web-handler.ts';
export { nodeChatCompletionsHandler } from './node-handler.ts';
export { agUiHandler } from './ag-ui-handler.ts';
export { DEFAULT_MAX_BODY_BYTES } from './read-body.ts';
export type { ChatCompletionsConfig, GatewayContext, GatewayOperators, GatewayResumable, GatewayRoute, PreparedChat } from './chat-completions.ts';
export { parseChatRequest, MAX_BODY_DEPTH } from './parse-chat-request.ts';
export type { ParsedChatRequest } from './parse-chat-request.ts';
export { readJSONBody, readJSONRequest, parseJSONBody } from './read-body.ts';
export { InvalidRequestError } from './invalid-request.ts';
export { RequestGuard, nodeGuardedRequest, webGuardedRequest } from './request-guard.ts';
export type { RequestGuardOptions, GuardedRequest, PreflightAnswer } from './request-guard.ts';
export { GatewayShutdownError, endOnAbort } from './shutdown.ts';
export type { InvalidRequestBody } from './invalid-request.ts';
export { toChatCompletion } from './chat-completion.ts';
export type { ChatCompletion, ChatCompletionChoice } from './chat-completion.ts';
export { defaultErrorBody as openAIErrorBody, errorStatus } from '../sse/frames.ts';
export { headerValue, upstreamErrorHeaders } from '../sse/headers.ts';
export { adapters, adapterNamed } from '../providers/adapters.ts';
