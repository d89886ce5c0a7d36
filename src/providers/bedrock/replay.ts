/**
 * The loopback replay server's codec of Bedrock ConverseStream: `application/vnd.amazon.eventstream`
 * binary frames, encoded with @smithy/core's event-stream codec (loaded on first use: the SDK's
 * own dependency, so only Bedrock users need it).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @internal
 * @module
 */
import { JSON_HEADERS } from '../../replay/sse-codec.ts';
import { ConverseStreamMapper, metadataDelta } from './decode-stream.ts';
import type { ReplayCodec } from '../../sources/provider-adapter.ts';

type Codec = { encode(message: { headers: Record<string, { type: 'string'; value: string }>; body: Uint8Array }): Uint8Array };
let codec: Codec | undefined;
const utf8 = new TextEncoder();

/** `POST …/converse-stream` (event stream) and `…/converse` (JSON); exception frames for `…Exception` events. */
export const bedrockReplay: ReplayCodec = {
  format: 'bedrock',
  contentType: 'application/vnd.amazon.eventstream',
  async ready() {
    if (codec !== undefined) return;
    const { EventStreamCodec } = await import('@smithy/core/event-streams');
    codec = new EventStreamCodec((bytes) => new TextDecoder().decode(bytes), (text) => utf8.encode(text)) as unknown as Codec;
  },
  route: (path) => (path.endsWith('/converse-stream') ? { stream: true } : path.endsWith('/converse') ? { stream: false } : undefined),
  encodeEvent(event) {
    if (codec === undefined) throw new Error('bedrockReplay.ready() must resolve before events are encoded');
    const [type, payload] = Object.entries(event)[0]!;
    const body = utf8.encode(JSON.stringify(payload));
    const kind = type.endsWith('Exception') ? 'exception' : 'event';
    return codec.encode({
      headers: {
        ':message-type': { type: 'string', value: kind },
        [kind === 'exception' ? ':exception-type' : ':event-type']: { type: 'string', value: type },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body,
    });
  },
  splitBody(body) {
    const parts: Uint8Array[] = [];
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let at = 0; at < body.length; ) {
      const length = view.getUint32(at);
      parts.push(body.subarray(at, at + length));
      at += length;
    }
    return parts;
  },
  // a frame whose total length (16) disagrees with its CRC'd prelude
  malformedEvent: () => new Uint8Array([0, 0, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
  errorEvent: (message = 'The server had an error while processing your request.') => ({ modelStreamErrorException: { message, originalStatusCode: 500 } }),
  httpError(status) {
    const type =
      status === 401 || status === 403 ? 'UnrecognizedClientException'
      : status === 429 ? 'ThrottlingException'
      : status >= 500 ? 'InternalServerException'
      : 'ValidationException';
    return { headers: { ...JSON_HEADERS, 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, body: { message: `${type} (replayed)` } };
  },
  decoder(out, model) {
    const mapper = new ConverseStreamMapper(out, metadataDelta(model, undefined));
    return {
      feed: (event) => mapper.onEvent(event as never),
      get done() {
        return mapper.done;
      },
      provider: 'bedrock',
      terminal: 'messageStop and metadata',
    };
  },
  recognizes: (event) => !('data' in event) && ['messageStart', 'contentBlockDelta', 'contentBlockStart', 'metadata'].includes(Object.keys(event)[0] ?? ''),
};
