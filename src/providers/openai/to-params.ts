/**
 * An OpenAI Chat Completions request passed on to OpenAI (or an OpenAI-compatible server). Pure.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @internal
 */
import type { OpenAIChatParams } from './from-openai.ts';
import type { ChatRequest } from '../../gateway/parse-chat-request.ts';

/**
 * The body as the client sent it, with `model` set to the upstream model, `stream` left out
 * (`fromOpenAI` sets it from its `stream` option) and `stream_options` replaced: a streaming call
 * always asks for `include_usage` (whether the client gets usage is decided when the chunks are
 * written), a non-streaming call sends none (the API refuses `stream_options` without `stream`).
 * Every other field, content part and tool passes unchanged: OpenAI checks them itself.
 */
export function toOpenAIParams(request: ChatRequest, model: string, stream: boolean): OpenAIChatParams {
  const { stream: _stream, stream_options: _options, ...rest } = request.body;
  return { ...rest, model, ...(stream ? { stream_options: { include_usage: true } } : {}) } as unknown as OpenAIChatParams;
}
