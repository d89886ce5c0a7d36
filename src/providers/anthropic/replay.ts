/**
 * The loopback replay server's codec of the Anthropic Messages API.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.anthropic.com/en/api/errors
 * @internal
 * @module
 */
import { encodeSSEEvent, JSON_HEADERS, SSE_CONTENT_TYPE, splitSSEBody } from '../../replay/sse-codec.ts';
import { objectOf, sseDecoder } from '../../replay/sse-codec.ts';
import { AnthropicEventMapper } from './decode-stream.ts';
import type { ReplayCodec } from '../../sources/provider-adapter.ts';

/** `POST …/messages`, named SSE events ending with `message_stop`. */
export const anthropicReplay: ReplayCodec = {
  format: 'anthropic',
  contentType: SSE_CONTENT_TYPE,
  route: (path) => (path.endsWith('/messages') ? { stream: true } : undefined),
  encodeEvent: (event) => encodeSSEEvent(event),
  splitBody: splitSSEBody,
  malformedEvent: (text = '{"choices":[{"delta":{"content":"x"') => encodeSSEEvent({ data: text }),
  errorEvent: () => ({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }),
  httpError(status) {
    const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
    return { headers: { ...JSON_HEADERS, 'request-id': 'req_replay' }, body: { type: 'error', error: { type, message: `${type} (replayed)` } } };
  },
  decoder: (out) => sseDecoder(new AnthropicEventMapper(out), 'anthropic', 'message_stop'),
  recognizes: (_event, data) => {
    const type = objectOf(data)?.type;
    return typeof type === 'string' && (type.startsWith('message_') || type.startsWith('content_block_') || type === 'ping');
  },
};
