/**
 * A {@link ChatRequest} as a local model's request. Pure.
 * @module
 */
import type { ChatRequest } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { IgnoredList, joinedText } from '../../sources/translate.ts';
import type { LlamaCppMessage, LlamaCppRequest } from './to-chat-history.ts';

const PROVIDER = 'llama-cpp';

/** What the adapter's source gets: the model file and the request. */
export interface LlamaCppParams {
  /** The GGUF file's path; `''` takes the client's (from `RXLLM_LOCAL_MODEL`). */
  readonly model: string;
  readonly request: LlamaCppRequest;
}

/**
 * The local model's request for `request`: `system`; user and assistant text (a trailing
 * assistant message is continued); `tools` as functions; `maxTokens`, `temperature`, `seed`.
 * Left out and reported: images and files, earlier reasoning and tool calls, tool results (the
 * chat history of node-llama-cpp's wrappers holds text turns here), `topP`, `stop`, `toolChoice`,
 * `parallelToolCalls`, `reasoning`, `responseFormat`.
 */
export function toLlamaCppParams(request: ChatRequest, model: string): Translation<LlamaCppParams> {
  const ignored = new IgnoredList();
  const messages: LlamaCppMessage[] = [];
  request.messages.forEach((message, at) => {
    if (message.role === 'tool') {
      ignored.add(`messages[${at}]`, 'tool results are not sent to a local model here');
      return;
    }
    const content = joinedText(message.content, (j) => ignored.add(`messages[${at}].content[${j}]`, 'a local model takes text here'));
    if (content !== '') messages.push({ role: message.role, content });
  });
  const out: { -readonly [K in keyof LlamaCppRequest]: LlamaCppRequest[K] } = { messages };
  if (request.system !== undefined && request.system !== '') out.system = request.system;
  if (request.maxTokens !== undefined) out.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.seed !== undefined) out.seed = request.seed;
  if (request.tools !== undefined && request.tools.length > 0) out.tools = request.tools;
  ignored.fields(request, PROVIDER, ['topP', 'stop', 'toolChoice', 'parallelToolCalls', 'reasoning', 'responseFormat']);
  const extra = request.providerOptions?.[PROVIDER];
  return { params: { model, request: extra === undefined ? out : { ...out, ...extra } }, ignored: ignored.items };
}
