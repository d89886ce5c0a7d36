/**
 * The loopback replay server's codec of OpenAI Chat Completions (also OpenAI-compatible servers).
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @internal
 * @module
 */
import { encodeSSEEvent, JSON_HEADERS, SSE_CONTENT_TYPE, splitSSEBody } from '../../replay/sse-codec.ts';
import { objectOf, sseDecoder } from '../../replay/sse-codec.ts';
import { CHAT_PROVIDER, CHAT_TERMINAL } from './wire.ts';
import { ChatStreamMapper } from './decode-stream.ts';
import type { ReplayCodec } from '../../sources/provider-adapter.ts';

/** An OpenAI error body for `status` (401 invalid key, 429 rate limit, else server error), as OpenAI sends it. */
export function openAIHttpError(status: number): { headers: Readonly<Record<string, string>>; body: unknown } {
  const [type, code, message] =
    status === 401 ? ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.']
    : status === 429 ? ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again in 1s.']
    : ['server_error', null, 'The server had an error while processing your request.'];
  return { headers: JSON_HEADERS, body: { error: { message, type, param: null, code } } };
}

/** `POST …/chat/completions`, SSE `data:` chunks ending with `data: [DONE]`. */
export const openAIChatReplay: ReplayCodec = {
  format: 'openai-chat',
  contentType: SSE_CONTENT_TYPE,
  route: (path) => (path.endsWith('/chat/completions') ? { stream: true } : undefined),
  encodeEvent: (event) => encodeSSEEvent(event),
  splitBody: splitSSEBody,
  malformedEvent: (text = '{"choices":[{"delta":{"content":"x"') => encodeSSEEvent({ data: text }),
  errorEvent: (message = 'The server had an error while processing your request.') => ({
    event: 'error',
    data: { error: { message, type: 'server_error', code: 'server_error' } },
  }),
  httpError: openAIHttpError,
  decoder: (out) => sseDecoder(new ChatStreamMapper(out), CHAT_PROVIDER, CHAT_TERMINAL),
  recognizes: (_event, data) => objectOf(data)?.object === 'chat.completion.chunk',
};
