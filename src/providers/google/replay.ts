/**
 * The loopback replay server's codec of the Gemini API (`streamGenerateContent?alt=sse`, CRLF
 * line ends as Google sends them).
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 * @internal
 * @module
 */
import { encodeSSEEvent, JSON_HEADERS, splitSSEBody } from '../../replay/sse-codec.ts';
import { dataOf, objectOf } from '../../replay/sse-codec.ts';
import { GeminiChunkMapper } from './decode-stream.ts';
import type { ReplayCodec } from '../../sources/provider-adapter.ts';

/** `…:streamGenerateContent` (SSE) and `…:generateContent` (JSON). */
export const geminiReplay: ReplayCodec = {
  format: 'gemini',
  contentType: 'text/event-stream',
  route: (path) => (path.includes(':streamGenerateContent') ? { stream: true } : path.includes(':generateContent') ? { stream: false } : undefined),
  encodeEvent: (event) => encodeSSEEvent(event, '\r\n'),
  splitBody: splitSSEBody,
  malformedEvent: (text = '{"choices":[{"delta":{"content":"x"') => encodeSSEEvent({ data: text }, '\r\n'),
  errorEvent: () => ({ data: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } } }),
  httpError(status) {
    const s = status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'UNAVAILABLE' : 'INVALID_ARGUMENT';
    return { headers: JSON_HEADERS, body: { error: { code: status, message: `${s} (replayed)`, status: s } } };
  },
  decoder(out) {
    const mapper = new GeminiChunkMapper(out);
    return {
      feed: (event) => mapper.map(JSON.parse(dataOf(event))),
      get done() {
        return mapper.done;
      },
      provider: 'google',
      terminal: 'a chunk with a finishReason',
    };
  },
  recognizes: (_event, data) => {
    const d = objectOf(data);
    return d !== undefined && ('candidates' in d || 'usageMetadata' in d || 'promptFeedback' in d);
  },
};
