import { ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { APIConnectionError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ProviderError, StreamingUnsupportedError, StreamTruncatedError } from '../src/core/errors.ts';
import { isStreamingUnsupported } from '../src/core/streaming-unsupported.ts';

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

describe('isStreamingUnsupported: true', () => {
  it('for a StreamingUnsupportedError', () => {
    expect(isStreamingUnsupported(new StreamingUnsupportedError('no streaming', { provider: 'openai' }))).toBe(true);
  });

  it("for OpenAI's 400 unsupported_value on param stream, bare and wrapped in a ProviderError", () => {
    const sdk = openAIError(400, unsupportedValue);
    expect(isStreamingUnsupported(sdk)).toBe(true);
    expect(isStreamingUnsupported(wrap('openai', sdk, 400, 'unsupported_value'))).toBe(true);
  });

  it("for OpenAI's param/code even when no message says so (read from the SDK error's fields)", () => {
    const sdk = openAIError(400, { error: { message: 'Bad request.', type: 'invalid_request_error', param: 'stream', code: 'unsupported_parameter' } });
    expect(isStreamingUnsupported(wrap('openai', sdk, 400, 'unsupported_parameter'))).toBe(true);
  });

  it('for an error object carrying the OpenAI body as `error` (OpenAI-compatible clients)', () => {
    const err = Object.assign(new Error('Request failed'), { error: unsupportedValue.error });
    expect(isStreamingUnsupported(err)).toBe(true);
  });

  it("for OpenAI's 'organization must be verified to stream' 400", () => {
    expect(isStreamingUnsupported(wrap('openai', openAIError(400, orgNotVerified), 400, 'unsupported_value'))).toBe(true);
    // The message alone suffices (a proxy that kept only the text).
    expect(isStreamingUnsupported(new Error(orgNotVerified.error.message))).toBe(true);
  });

  it("for Bedrock's ValidationException that the model does not stream", () => {
    for (const message of ['The model is unsupported for streaming.', "This model doesn't support tool use in streaming mode."]) {
      const sdk = bedrockValidation(message);
      expect(isStreamingUnsupported(sdk), message).toBe(true);
      expect(isStreamingUnsupported(wrap('bedrock', sdk, 400, 'ValidationException')), message).toBe(true);
    }
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
    const invalidType = openAIError(400, {
      error: { message: "Invalid type for 'stream': expected a boolean, but got a string instead.", type: 'invalid_request_error', param: 'stream', code: 'invalid_type' },
    });
    const streamOptions = openAIError(400, {
      error: { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", type: 'invalid_request_error', param: 'stream_options', code: 'invalid_value' },
    });
    const temperature = openAIError(400, {
      error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' },
    });
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
    const invalidModel = bedrockValidation('The provided model identifier is invalid.');
    const onDemand = bedrockValidation("Invocation of model ID anthropic.claude-3-opus with on-demand throughput isn't supported.");
    const throttled = new ThrottlingException({ message: 'Too many requests, please wait before trying again.', $metadata: {} });
    for (const sdk of [invalidModel, onDemand, throttled]) {
      expect(isStreamingUnsupported(wrap('bedrock', sdk, 400, sdk.name)), sdk.message).toBe(false);
    }
  });

  it('for non-errors and a self-referencing cause', () => {
    for (const value of [undefined, null, 42, {}, new DOMException('This operation was aborted', 'AbortError')]) {
      expect(isStreamingUnsupported(value)).toBe(false);
    }
    const loop = new Error('boom') as Error & { cause?: unknown };
    loop.cause = loop;
    expect(isStreamingUnsupported(loop)).toBe(false);
  });
});
