/**
 * The loopback replay server's codec of the OpenAI Responses API.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @internal
 * @module
 */
import { encodeSSEEvent, SSE_CONTENT_TYPE, splitSSEBody } from '../../replay/sse-codec.ts';
import { objectOf, sseDecoder } from '../../replay/sse-codec.ts';
import { RESPONSES_PROVIDER, RESPONSES_TERMINAL, ResponsesStreamMapper } from './decode-stream.ts';
import type { ReplayCodec } from '../../sources/provider-adapter.ts';
import { openAIHttpError } from '../openai/replay.ts';

/** `POST …/responses`, typed SSE events ending with `response.completed`. */
export const openAIResponsesReplay: ReplayCodec = {
  format: 'openai-responses',
  contentType: SSE_CONTENT_TYPE,
  route: (path) => (path.endsWith('/responses') ? { stream: true } : undefined),
  encodeEvent: (event) => encodeSSEEvent(event),
  splitBody: splitSSEBody,
  malformedEvent: (text = '{"choices":[{"delta":{"content":"x"') => encodeSSEEvent({ data: text }),
  errorEvent: (message = 'The server had an error while processing your request.') => ({
    event: 'error',
    data: { type: 'error', sequence_number: 0, error: { type: 'server_error', code: 'server_error', message, param: null } },
  }),
  httpError: openAIHttpError,
  decoder: (out) => sseDecoder(new ResponsesStreamMapper(out), RESPONSES_PROVIDER, RESPONSES_TERMINAL),
  recognizes: (_event, data) => {
    const type = objectOf(data)?.type;
    return typeof type === 'string' && type.startsWith('response.');
  },
};
