/**
 * Wire encoders for the replay server: recorded provider events (the `.jsonl` fixture format:
 * `{ event?, data, comment? }` for SSE providers, `{ "<eventType>": payload }` for Bedrock) back
 * to the bytes each provider sends, and the error payloads each provider uses.
 *
 * Node-only, internal: used by the `rxllm` CLI's offline replay and by the test suite.
 * @internal
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';

/** The wire formats the replay server speaks. */
export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock';

/** One recorded SSE event (`data` is JSON or a string such as `[DONE]`), or a Bedrock frame `{ type: payload }`. */
export type WireEvent = { event?: string; data?: unknown; comment?: string } | Record<string, unknown>;

/** The SSE route prefix and content type of each format. */
export const contentTypes: Record<WireFormat, string> = {
  'openai-chat': 'text/event-stream; charset=utf-8',
  'openai-responses': 'text/event-stream; charset=utf-8',
  anthropic: 'text/event-stream; charset=utf-8',
  gemini: 'text/event-stream',
  bedrock: 'application/vnd.amazon.eventstream',
};

const utf8 = new TextEncoder();
let codec: EventStreamCodec | undefined;

/** Encodes one event as the provider sends it: an SSE block, or a Bedrock event-stream frame. */
export function encodeEvent(format: WireFormat, event: WireEvent): Uint8Array {
  if (format === 'bedrock') return encodeBedrockFrame(event as Record<string, unknown>);
  const e = event as { event?: string; data?: unknown; comment?: string };
  const eol = format === 'gemini' ? '\r\n' : '\n';
  let block = '';
  if (e.comment !== undefined) block += `: ${e.comment}${eol}`;
  if (e.event !== undefined) block += `event: ${e.event}${eol}`;
  if (e.data !== undefined) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    for (const line of data.split('\n')) block += `data: ${line}${eol}`;
  }
  return utf8.encode(block + eol);
}

/** Encodes a Bedrock frame: `{ contentBlockDelta: {...} }`, or `{ throttlingException: {...} }` as an exception frame. */
function encodeBedrockFrame(event: Record<string, unknown>): Uint8Array {
  codec ??= new EventStreamCodec((bytes) => new TextDecoder().decode(bytes), (text) => utf8.encode(text));
  const [type, payload] = Object.entries(event)[0]!;
  const body = utf8.encode(JSON.stringify(payload));
  const isException = type.endsWith('Exception');
  const headers: MessageHeaders = isException
    ? {
        ':message-type': { type: 'string' as const, value: 'exception' },
        ':exception-type': { type: 'string' as const, value: type },
        ':content-type': { type: 'string' as const, value: 'application/json' },
      }
    : {
        ':message-type': { type: 'string' as const, value: 'event' },
        ':event-type': { type: 'string' as const, value: type },
        ':content-type': { type: 'string' as const, value: 'application/json' },
      };
  return codec.encode({ headers, body });
}

/**
 * Splits a byte-exact recorded body into its events: at blank lines for SSE (LF or CRLF), at
 * frame lengths for Bedrock's event stream.
 */
export function splitBody(format: WireFormat, body: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (format === 'bedrock') {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let at = 0; at < body.length; ) {
      const length = view.getUint32(at);
      parts.push(body.subarray(at, at + length));
      at += length;
    }
    return parts;
  }
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    // an event ends at "\n\n" or "\r\n\r\n"
    if (body[i] === 0x0a && (body[i + 1] === 0x0a || (body[i + 1] === 0x0d && body[i + 2] === 0x0a))) {
      const end = body[i + 1] === 0x0a ? i + 2 : i + 3;
      parts.push(body.subarray(start, end));
      start = end;
      i = end - 1;
    }
  }
  if (start < body.length) parts.push(body.subarray(start));
  return parts;
}

/** A provider's in-stream error event (what it sends mid-stream when generation fails). */
export function errorEvent(format: WireFormat, message = 'The server had an error while processing your request.'): WireEvent {
  switch (format) {
    case 'openai-chat':
      return { event: 'error', data: { error: { message, type: 'server_error', code: 'server_error' } } };
    case 'openai-responses':
      return { event: 'error', data: { type: 'error', sequence_number: 0, error: { type: 'server_error', code: 'server_error', message, param: null } } };
    case 'anthropic':
      return { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    case 'gemini':
      return { data: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } } };
    case 'bedrock':
      return { modelStreamErrorException: { message, originalStatusCode: 500 } };
  }
}

/** A provider's HTTP error response for `status`: headers and JSON body as the provider sends them. */
export function httpError(format: WireFormat, status: number): { headers: Record<string, string>; body: unknown } {
  const json = { 'content-type': 'application/json' };
  switch (format) {
    case 'openai-chat':
    case 'openai-responses': {
      const [type, code, message] =
        status === 401 ? ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.']
        : status === 429 ? ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again in 1s.']
        : ['server_error', null, 'The server had an error while processing your request.'];
      return { headers: json, body: { error: { message, type, param: null, code } } };
    }
    case 'anthropic': {
      const type =
        status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
      return { headers: { ...json, 'request-id': 'req_replay' }, body: { type: 'error', error: { type, message: `${type} (replayed)` } } };
    }
    case 'gemini': {
      const s = status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'UNAVAILABLE' : 'INVALID_ARGUMENT';
      return { headers: json, body: { error: { code: status, message: `${s} (replayed)`, status: s } } };
    }
    case 'bedrock': {
      const type =
        status === 401 || status === 403 ? 'UnrecognizedClientException'
        : status === 429 ? 'ThrottlingException'
        : status >= 500 ? 'InternalServerException'
        : 'ValidationException';
      return { headers: { ...json, 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, body: { message: `${type} (replayed)` } };
    }
  }
}

/** The replay route of each format for a request path, or `undefined` when the path is none of them. */
export function formatOfPath(path: string): { format: WireFormat; stream: boolean } | undefined {
  if (path.endsWith('/chat/completions')) return { format: 'openai-chat', stream: true };
  if (path.endsWith('/responses')) return { format: 'openai-responses', stream: true };
  if (path.endsWith('/messages')) return { format: 'anthropic', stream: true };
  if (path.includes(':streamGenerateContent')) return { format: 'gemini', stream: true };
  if (path.includes(':generateContent')) return { format: 'gemini', stream: false };
  if (path.endsWith('/converse-stream')) return { format: 'bedrock', stream: true };
  if (path.endsWith('/converse')) return { format: 'bedrock', stream: false };
  return undefined;
}
