/**
 * "Streaming unsupported": the provider-neutral default test (`isStreamingUnsupported`), each
 * provider's recognition of its SDK's errors (`isOpenAIStreamingUnsupported`,
 * `isBedrockStreamingUnsupported`, carried by the adapters), and the provider sources raising
 * such a refusal as a `StreamingUnsupportedError` (real SDK → loopback replay server).
 */
import { BedrockRuntimeClient, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import OpenAI, { APIConnectionError, APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, StreamingUnsupportedError, StreamTruncatedError } from '../src/core/errors.ts';
import { isStreamingUnsupported } from '../src/core/streaming-unsupported.ts';
import { bedrockExceptionError } from '../src/providers/bedrock/errors.ts';
import { bedrockAdapter, fromBedrock, isBedrockStreamingUnsupported } from '../src/providers/bedrock/index.ts';
import { fromOpenAI, fromOpenAIResponses, isOpenAIStreamingUnsupported, openaiAdapter, openaiResponsesAdapter } from '../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { loadCase, streamReply } from './support/fixtures.ts';
import { run } from './support/runs.ts';

/** The openai SDK's own error for an HTTP error response, as its fetch path builds it (a text body becomes the message). */
function openAIError(status: number, body: object | string): APIError {
  const headers = new Headers({ 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  return typeof body === 'string' ? APIError.generate(status, undefined, body, headers) : APIError.generate(status, body, undefined, headers);
}

/** How an rxllm source wraps an SDK error: its own message, the SDK error as `cause`. */
function wrap(provider: string, cause: unknown, status: number, code: string | undefined, retryable = false): ProviderError {
  return new ProviderError(`${provider} request failed with HTTP ${status}`, { provider, status, code, retryable, cause });
}

function bedrockValidation(message: string): ValidationException {
  return new ValidationException({ message, $metadata: { httpStatusCode: 400 } });
}

// OpenAI's real 400 bodies (o1 / o3 without streaming access; organization not verified).
const unsupportedValue = {
  error: {
    message: "Unsupported value: 'stream' does not support true with this model. Only the default (false) value is supported.",
    type: 'invalid_request_error',
    param: 'stream',
    code: 'unsupported_value',
  },
};
const orgNotVerified = {
  error: {
    message:
      'Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general ' +
      'and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.',
    type: 'invalid_request_error',
    param: 'stream',
    code: 'unsupported_value',
  },
};

const temperatureBody = {
  error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' },
};

/** OpenAI's 400s about another param, or about `stream`'s type: not a refusal to stream. */
function otherOpenAI400s(): [APIError, APIError, APIError] {
  const invalidType = openAIError(400, {
    error: { message: "Invalid type for 'stream': expected a boolean, but got a string instead.", type: 'invalid_request_error', param: 'stream', code: 'invalid_type' },
  });
  const streamOptions = openAIError(400, {
    error: { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", type: 'invalid_request_error', param: 'stream_options', code: 'invalid_value' },
  });
  const temperature = openAIError(400, temperatureBody);
  return [invalidType, streamOptions, temperature];
}

/** Bedrock's other ValidationExceptions, and throttling: not a refusal to stream. */
function otherBedrockErrors(): [ValidationException, ValidationException, ThrottlingException] {
  const invalidModel = bedrockValidation('The provided model identifier is invalid.');
  const onDemand = bedrockValidation("Invocation of model ID anthropic.claude-3-opus with on-demand throughput isn't supported.");
  const throttled = new ThrottlingException({ message: 'Too many requests, please wait before trying again.', $metadata: {} });
  return [invalidModel, onDemand, throttled];
}

/** Bedrock's two ValidationException messages for a request ConverseStream will not stream. */
const bedrockRefusals = ['The model is unsupported for streaming.', "This model doesn't support tool use in streaming mode."];

describe('isStreamingUnsupported: true', () => {
  it('for a StreamingUnsupportedError, also further down the cause chain', () => {
    const unsupported = new StreamingUnsupportedError('no streaming', { provider: 'openai' });
    expect(isStreamingUnsupported(unsupported)).toBe(true);
    expect(isStreamingUnsupported(new Error('the pipeline failed', { cause: unsupported }))).toBe(true);
  });

  it('for an error object carrying an OpenAI-shaped body as `error` whose message refuses streaming (OpenAI-compatible clients)', () => {
    const err = Object.assign(new Error('Request failed'), { error: unsupportedValue.error });
    expect(isStreamingUnsupported(err)).toBe(true);
  });

  it('for the refusal wording of OpenAI-compatible servers, bare and as the cause of a ProviderError', () => {
    const sdk = openAIError(400, unsupportedValue);
    expect(isStreamingUnsupported(sdk)).toBe(true);
    expect(isStreamingUnsupported(wrap('openai', sdk, 400, 'unsupported_value'))).toBe(true);
  });

  it("for 'verified to stream' (a proxy that kept only the text)", () => {
    expect(isStreamingUnsupported(new Error(orgNotVerified.error.message))).toBe(true);
  });

  it('for messages where stream/streaming is a whole word next to a refusal', () => {
    for (const message of [
      'Streaming is not supported for this model.',
      'This endpoint does not support streaming',
      'stream mode is not available for embeddings models',
      'STREAMING NOT SUPPORTED',
      'Model gpt-x cannot support stream=true',
    ]) {
      expect(isStreamingUnsupported(new Error(message)), message).toBe(true);
      expect(isStreamingUnsupported(message), message).toBe(true);
    }
  });
});

describe('isStreamingUnsupported: false', () => {
  it('for "upstream connect error" (Envoy 503), even next to a refusal', () => {
    const message = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure';
    const sdk = openAIError(503, message);
    expect(sdk.message).toBe(`503 ${message}`);
    expect(isStreamingUnsupported(wrap('openai', sdk, 503, undefined, true))).toBe(false);
    expect(isStreamingUnsupported(new Error('upstream is not available'))).toBe(false);
  });

  it('for "downstream timeout"', () => {
    expect(isStreamingUnsupported(wrap('openai', openAIError(504, 'downstream timeout'), 504, undefined, true))).toBe(false);
    expect(isStreamingUnsupported(new Error('downstream not supported'))).toBe(false);
  });

  it('for "mainstream"', () => {
    expect(isStreamingUnsupported(new Error('This model is not supported in mainstream regions.'))).toBe(false);
  });

  it("for OpenAI's errors about other params, or about stream's type", () => {
    const [invalidType, streamOptions, temperature] = otherOpenAI400s();
    for (const sdk of [invalidType, streamOptions, temperature]) {
      expect(isStreamingUnsupported(wrap('openai', sdk, 400, sdk.code ?? undefined)), sdk.message).toBe(false);
    }
  });

  it('for a refusal and the word stream in different sentences', () => {
    expect(isStreamingUnsupported(new Error('Image inputs are not supported. The stream was closed.'))).toBe(false);
  });

  it('for rate limits, connection errors and truncated streams', () => {
    const rateLimit = openAIError(429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect(isStreamingUnsupported(wrap('openai', rateLimit, 429, 'rate_limit_exceeded', true))).toBe(false);
    expect(isStreamingUnsupported(new APIConnectionError({ message: 'Connection error.' }))).toBe(false);
    const truncated = new StreamTruncatedError('openai stream ended before its terminal event (data: [DONE]): the body ended.', { provider: 'openai' });
    expect(isStreamingUnsupported(truncated)).toBe(false);
  });

  it("for Bedrock's other ValidationExceptions and throttling", () => {
    const [invalidModel, onDemand, throttled] = otherBedrockErrors();
    for (const sdk of [invalidModel, onDemand, throttled]) {
      expect(isStreamingUnsupported(wrap('bedrock', sdk, 400, sdk.name)), sdk.message).toBe(false);
    }
  });

  it('for non-errors and a self-referencing cause', () => {
    for (const value of [undefined, null, 42, {}, new DOMException('This operation was aborted', 'AbortError')]) {
      expect(isStreamingUnsupported(value)).toBe(false);
    }
    expect(isStreamingUnsupported(selfCaused())).toBe(false);
  });
});

/** An error that is its own cause: a recognition must stop walking the chain and say false. */
function selfCaused(): Error {
  const loop = new Error('boom') as Error & { cause?: unknown };
  loop.cause = loop;
  return loop;
}

describe('isOpenAIStreamingUnsupported (the openai and openai-responses adapters)', () => {
  it('is what both OpenAI adapters carry as isStreamingUnsupported', () => {
    expect(openaiAdapter.isStreamingUnsupported).toBe(isOpenAIStreamingUnsupported);
    expect(openaiResponsesAdapter.isStreamingUnsupported).toBe(isOpenAIStreamingUnsupported);
  });

  it("true for OpenAI's 400 unsupported_value on param stream, bare and wrapped in a ProviderError", () => {
    const sdk = openAIError(400, unsupportedValue);
    expect(isOpenAIStreamingUnsupported(sdk)).toBe(true);
    expect(isOpenAIStreamingUnsupported(wrap('openai', sdk, 400, 'unsupported_value'))).toBe(true);
  });

  it("true for the param/code even when no message says so (read from the SDK error's fields), which the provider-neutral test cannot tell", () => {
    const sdk = openAIError(400, { error: { message: 'Bad request.', type: 'invalid_request_error', param: 'stream', code: 'unsupported_parameter' } });
    expect(isOpenAIStreamingUnsupported(sdk)).toBe(true);
    expect(isOpenAIStreamingUnsupported(wrap('openai', sdk, 400, 'unsupported_parameter'))).toBe(true);
    expect(isStreamingUnsupported(sdk)).toBe(false);
  });

  it('true for an error object carrying the OpenAI body as `error` (OpenAI-compatible clients)', () => {
    const err = Object.assign(new Error('Request failed'), { error: { ...unsupportedValue.error, message: 'Bad request.' } });
    expect(isOpenAIStreamingUnsupported(err)).toBe(true);
  });

  it("true for OpenAI's 'organization must be verified to stream' 400", () => {
    expect(isOpenAIStreamingUnsupported(wrap('openai', openAIError(400, orgNotVerified), 400, 'unsupported_value'))).toBe(true);
  });

  it("false for OpenAI's errors about other params or stream's type, rate limits, connection errors, Bedrock's refusal and non-errors", () => {
    for (const sdk of otherOpenAI400s()) {
      expect(isOpenAIStreamingUnsupported(sdk), sdk.message).toBe(false);
      expect(isOpenAIStreamingUnsupported(wrap('openai', sdk, 400, sdk.code ?? undefined)), sdk.message).toBe(false);
    }
    const rateLimit = openAIError(429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect(isOpenAIStreamingUnsupported(rateLimit)).toBe(false);
    expect(isOpenAIStreamingUnsupported(new APIConnectionError({ message: 'Connection error.' }))).toBe(false);
    expect(isOpenAIStreamingUnsupported(bedrockValidation(bedrockRefusals[0]!))).toBe(false);
    // the wording alone is the provider-neutral test's, not OpenAI's error object
    expect(isOpenAIStreamingUnsupported(new Error(unsupportedValue.error.message))).toBe(false);
    for (const value of [undefined, null, 42, 'stream', {}, { param: 'stream' }]) expect(isOpenAIStreamingUnsupported(value)).toBe(false);
    expect(isOpenAIStreamingUnsupported(selfCaused())).toBe(false);
  });
});

describe('isBedrockStreamingUnsupported (the bedrock adapter)', () => {
  it('is what the bedrock adapter carries as isStreamingUnsupported', () => {
    expect(bedrockAdapter.isStreamingUnsupported).toBe(isBedrockStreamingUnsupported);
  });

  it("true for Bedrock's ValidationException that the model does not stream, bare and wrapped in a ProviderError", () => {
    for (const message of bedrockRefusals) {
      const sdk = bedrockValidation(message);
      expect(isBedrockStreamingUnsupported(sdk), message).toBe(true);
      expect(isBedrockStreamingUnsupported(wrap('bedrock', sdk, 400, 'ValidationException')), message).toBe(true);
    }
  });

  it('true for the error rxllm makes of such an exception event inside the stream (no SDK error as cause)', () => {
    for (const message of bedrockRefusals) {
      const error = bedrockExceptionError('ValidationException', message, 400);
      expect(error, message).toBeInstanceOf(StreamingUnsupportedError);
      expect(error, message).toMatchObject({ provider: 'bedrock', status: 400, code: 'ValidationException', retryable: false });
      expect(isBedrockStreamingUnsupported(error), message).toBe(true);
      expect(isStreamingUnsupported(error), message).toBe(true);
    }
  });

  it("false for Bedrock's other ValidationExceptions and throttling, the same words in another exception, OpenAI's refusal and non-errors", () => {
    for (const sdk of otherBedrockErrors()) {
      expect(isBedrockStreamingUnsupported(sdk), sdk.message).toBe(false);
      expect(isBedrockStreamingUnsupported(wrap('bedrock', sdk, 400, sdk.name)), sdk.message).toBe(false);
      expect(bedrockExceptionError(sdk.name, sdk.message, 400), sdk.message).not.toBeInstanceOf(StreamingUnsupportedError);
    }
    const throttled = new ThrottlingException({ message: bedrockRefusals[0]!, $metadata: {} });
    expect(isBedrockStreamingUnsupported(throttled)).toBe(false);
    expect(isBedrockStreamingUnsupported(openAIError(400, unsupportedValue))).toBe(false);
    for (const value of [undefined, null, 42, bedrockRefusals[0], {}]) expect(isBedrockStreamingUnsupported(value)).toBe(false);
    expect(isBedrockStreamingUnsupported(selfCaused())).toBe(false);
  });
});

describe('the provider sources raise the refusal as a StreamingUnsupportedError (real SDK → replay server)', () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer(undefined, { record: true });
  });
  afterAll(async () => {
    await server.close();
  });

  const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const chatParams = { model: 'o1', messages: [{ role: 'user' as const, content: 'hi' }] };

  it("fromOpenAI: OpenAI's 400 on param stream, with its status, code and the SDK error as cause", async () => {
    server.reply({ kind: 'json', status: 400, body: unsupportedValue });
    const { deltas, error } = await run(fromOpenAI(openai(), chatParams));
    expect(deltas).toEqual([]);
    expect(error).toBeInstanceOf(StreamingUnsupportedError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'StreamingUnsupportedError', provider: 'openai', status: 400, code: 'unsupported_value', retryable: false, partial: undefined });
    expect((error as Error).cause).toBeInstanceOf(APIError);
    expect((error as Error).message).toContain("'stream' does not support true with this model");
  });

  it("fromOpenAI: the param/code alone (a message that says nothing) and 'verified to stream'", async () => {
    for (const body of [{ error: { message: 'Bad request.', type: 'invalid_request_error', param: 'stream', code: 'unsupported_parameter' } }, orgNotVerified]) {
      server.reply({ kind: 'json', status: 400, body });
      const { error } = await run(fromOpenAI(openai(), chatParams));
      expect(error, body.error.message).toBeInstanceOf(StreamingUnsupportedError);
      expect(error, body.error.message).toMatchObject({ status: 400, code: body.error.code, retryable: false });
      // the message says what happened and what to do
      expect((error as Error).message, body.error.message).toMatch(/^openai request failed with HTTP 400 .*Send it without streaming \(`\{ stream: false \}`\), or pipe the stream through `fallbackToNonStreaming`\.$/);
    }
  });

  it("fromOpenAI: OpenAI's 400 about another param stays a ProviderError that is no refusal to stream", async () => {
    server.reply({ kind: 'json', status: 400, body: temperatureBody });
    const { error } = await run(fromOpenAI(openai(), chatParams));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(StreamingUnsupportedError);
    expect(error).toMatchObject({ status: 400, code: 'unsupported_value', retryable: false });
    expect(isStreamingUnsupported(error)).toBe(false);
  });

  it("fromOpenAIResponses: the same 400 (the Responses API's error objects are Chat Completions')", async () => {
    server.reply({ kind: 'json', status: 400, body: unsupportedValue });
    const { deltas, error } = await run(fromOpenAIResponses(openai(), { model: 'o1', input: 'hi' }));
    expect(deltas).toEqual([]);
    expect(error).toBeInstanceOf(StreamingUnsupportedError);
    expect(error).toMatchObject({ provider: 'openai-responses', status: 400, code: 'unsupported_value', retryable: false });
    expect((error as Error).cause).toBeInstanceOf(APIError);
  });

  it("fromBedrock: the ValidationException that the model does not stream (both wordings); another ValidationException stays a ProviderError", async () => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: server.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      requestHandler: new NodeHttpHandler(),
    });
    const input = { modelId: 'us.meta.llama4-maverick-17b-instruct-v1:0', messages: [{ role: 'user' as const, content: [{ text: 'Hello' }] }] };
    const textCase = loadCase('bedrock/text');
    try {
      for (const message of bedrockRefusals) {
        server.reply(streamReply(textCase, { fault: { kind: 'http', status: 400, body: { message } } }));
        const { deltas, error } = await run(fromBedrock(client, input));
        expect(deltas, message).toEqual([]);
        expect(error, message).toBeInstanceOf(StreamingUnsupportedError);
        expect(error, message).toMatchObject({ provider: 'bedrock', status: 400, code: 'ValidationException', retryable: false, partial: undefined });
        expect((error as Error).message, message).toMatch(/Send it without streaming \(`\{ stream: false \}`: Converse\), or pipe the stream through `fallbackToNonStreaming`\.$/);
        expect((error as Error).cause, message).toBeInstanceOf(ValidationException);
      }
      server.reply(streamReply(textCase, { fault: { kind: 'http', status: 400, body: { message: 'The provided model identifier is invalid.' } } }));
      const { error } = await run(fromBedrock(client, input));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).not.toBeInstanceOf(StreamingUnsupportedError);
      expect(error).toMatchObject({ status: 400, code: 'ValidationException', retryable: false });
    } finally {
      client.destroy();
    }
  });
});
