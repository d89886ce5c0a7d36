/**
 * The gateway's pure layer: the OpenAI request checked as OpenAI checks it and read into a
 * `ChatRequest` (the adapters' translations are in chat-request.test.ts), the non-streaming
 * `chat.completion` built from a snapshot, and the serve flags.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/delta.ts';
import { parseChatRequest } from '../src/gateway/parse-chat-request.ts';
import { toChatCompletion } from '../src/gateway/chat-completion.ts';
import { InvalidRequestError } from '../src/gateway/invalid-request.ts';
import { parseDuration, parseServeArgs, parseSize } from '../src/cli/serve/serve-args.ts';
import { CliError } from '../src/cli/cli-error.ts';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** A whole tool-using conversation in OpenAI's format: every message kind the translations read. */
const conversation = {
  model: 'm',
  stream: true,
  stream_options: { include_usage: true },
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris' }, { type: 'text', text: ' and Rome?' }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18°C, cloudy' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C, sunny' }] },
    { role: 'assistant', content: 'Paris 18°C, Rome 24°C.' },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [weatherTool],
  tool_choice: 'auto',
  max_completion_tokens: 300,
  max_tokens: 999,
  temperature: 0.2,
  top_p: 0.9,
  stop: 'END',
  seed: 7,
  response_format: { type: 'text' },
};

/** The error a function throws, for assertions on its fields. */
function thrown(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('expected an InvalidRequestError, nothing was thrown');
}

describe('parseChatRequest', () => {
  it('reads every field into the neutral ChatRequest, and keeps the rest as extras', () => {
    const r = parseChatRequest(conversation);
    expect([r.model, r.stream, r.includeUsage]).toEqual(['m', true, true]);
    expect(r.request.system).toBe('Be brief.\n\nUse metric units.');
    expect(r.request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
    expect(r.bodyIndex).toEqual([2, 3, 4, 5, 6, 7]);
    expect(r.request.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Weather in Paris' }, { type: 'text', text: ' and Rome?' }] });
    expect(r.request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
    });
    expect(r.request.messages[3]).toEqual({ role: 'tool', toolCallId: 'call_2', content: '24°C, sunny' });
    expect(r.request).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Weather in a city', parameters: weatherTool.function.parameters }],
      toolChoice: 'auto',
      maxTokens: 300, // max_completion_tokens wins over the older max_tokens
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      seed: 7,
      responseFormat: { type: 'text' },
    });
    expect(r.extras).toEqual({});
    expect(parseChatRequest({ ...conversation, logprobs: true, metadata: { a: '1' } }).extras).toEqual({ logprobs: true, metadata: { a: '1' } });
  });

  it('defaults: not streaming, no usage, no tools', () => {
    const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(r).toMatchObject({ stream: false, includeUsage: false, extras: {}, unserved: [] });
    expect(r.request).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('reads images and inline files; lists what only OpenAI takes (audio parts, file ids, custom tools) as unserved', () => {
    const r = parseChatRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
            { type: 'input_audio', input_audio: { data: 'x', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
          ],
        },
      ],
      tools: [{ type: 'custom', custom: { name: 'c' } }],
    });
    expect(r.request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image', url: 'data:image/png;base64,AAAA', detail: 'low' },
        { type: 'file', mediaType: 'application/pdf', data: 'JVBE', filename: 'a.pdf' },
      ],
    });
    expect(r.unserved.map((e) => e.param)).toEqual(['messages[0].content[3].type', 'messages[0].content[4].file', 'tools[0].type']);
  });

  it('refuses stream_options without stream, as OpenAI does', () => {
    const error = thrown(() => parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }));
    expect([error.status, error.param]).toEqual([400, 'stream_options']);
  });

  const refusals: [string, unknown, string | null, string | null, RegExp][] = [
    ['not an object', [1, 2], null, 'invalid_type', /must be a JSON object, not an array/],
    ['no model', { messages: [] }, 'model', 'missing_required_parameter', /Missing required parameter: 'model'/],
    ['no messages', { model: 'm' }, 'messages', 'missing_required_parameter', /Missing required parameter: 'messages'/],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages', 'invalid_type', /expected an array, but got a string/],
    ['empty messages', { model: 'm', messages: [] }, 'messages', 'empty_array', /empty array/],
    ['unknown role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_value', /"robot"/],
    ['no content', { model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter', /content/],
    ['content a number', { model: 'm', messages: [{ role: 'user', content: 3 }] }, 'messages[0].content', 'invalid_type', /but got an integer/],
    ['image in a system message', { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url' }] }] }, 'messages[0].content[0].type', 'invalid_value', /only 'text' parts/],
    ['reasoning_effort unknown', { model: 'm', messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'max' }, 'reasoning_effort', 'invalid_value', /max/],
    ['response_format json_schema without name', { model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: {} } }, 'response_format.json_schema.name', 'missing_required_parameter', /name/],
    ['tool message without id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', 'missing_required_parameter', /tool_call_id/],
    ['tool call without name', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', function: {} }] }] }, 'messages[0].tool_calls[0].function.name', 'missing_required_parameter', /name/],
    ['stream not boolean', { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream', 'invalid_type', /a boolean/],
    ['max_tokens 0', { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens', 'integer_below_min_value', />= 1/],
    ['max_tokens decimal', { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }, 'max_tokens', 'invalid_type', /an integer/],
    ['n = 2', { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n', 'invalid_value', /one choice/],
    ['stop numbers', { model: 'm', messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'stop', 'invalid_type', /strings/],
    ['tool_choice unknown', { model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: 'always' }, 'tool_choice', 'invalid_value', /always/],
    ['tool parameters a string', { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: '{}' } }] }, 'tools[0].function.parameters', 'invalid_type', /an object/],
  ];
  for (const [what, body, param, code, message] of refusals) {
    it(`refuses ${what} with 400, param ${param}, code ${code}`, () => {
      const error = thrown(() => parseChatRequest(body));
      expect(error.status).toBe(400);
      expect(error.param).toBe(param);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.toBody()).toEqual({ error: { message: error.message, type: 'invalid_request_error', param, code } });
    });
  }
});

describe('toChatCompletion', () => {
  const base: Snapshot = { text: '', reasoning: '', toolCalls: [], deltaCount: 5 };

  it('builds the chat.completion of a text answer with reasoning and usage', () => {
    const snapshot: Snapshot = { ...base, text: 'Hi!', reasoning: 'greet', finishReason: 'stop', finishRaw: 'end_turn', usage: { inputTokens: 3, outputTokens: 5, reasoningTokens: 2 } };
    expect(toChatCompletion(snapshot, 'm', 'chatcmpl-1', 1700000000)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!', refusal: null, reasoning_content: 'greet' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, completion_tokens_details: { reasoning_tokens: 2 } },
    });
  });

  it('gives content null and tool_calls with raw arguments for a tool-calls answer; zero usage when none came', () => {
    const snapshot: Snapshot = {
      ...base,
      toolCalls: [{ index: 0, id: 'call_1', name: 'f', argsText: '{"a":1}', complete: true, args: { a: 1 } }],
      finishReason: 'tool-calls',
    };
    const completion = toChatCompletion(snapshot, 'm', 'id', 1);
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("keeps a provider's own finish value for 'other'", () => {
    expect(toChatCompletion({ ...base, text: 'x', finishReason: 'other', finishRaw: 'pause_turn' }, 'm', 'id', 1).choices[0].finish_reason).toBe('pause_turn');
  });
});

describe('rxllm serve flags', () => {
  it('parses durations and sizes', () => {
    expect([parseDuration('30s'), parseDuration('500ms'), parseDuration('2m'), parseDuration('1.5')]).toEqual([30_000, 500, 120_000, 1500]);
    expect([parseSize('1mb'), parseSize('512kb'), parseSize('2MiB'), parseSize('1000')]).toEqual([1048576, 524288, 2097152, 1000]);
    expect(() => parseDuration('soon')).toThrow(CliError);
    expect(() => parseSize('-1')).toThrow(/--max-body takes a size/);
  });

  it('defaults to the replay on 127.0.0.1:8080 without keys, and to the first provider with a key', () => {
    expect(parseServeArgs([], {})).toEqual({
      kind: 'serve',
      options: {
        provider: 'replay',
        model: undefined,
        replay: 'openai-text',
        speed: 1,
        host: '127.0.0.1',
        port: 8080,
        splitReasoning: false,
        idleTimeoutMs: undefined,
        fallback: false,
        maxBodyBytes: 1048576,
        cors: undefined,
        apiKey: undefined,
        allowedHosts: [],
        graceMs: 10_000,
        fault: undefined,
        logBodies: false,
        resumable: undefined,
        otel: false,
      },
    });
    const command = parseServeArgs(['--port', '9000', '-m', 'claude-x', '--split-reasoning', '--idle-timeout', '30s', '--fallback', '--max-body', '2mb', '--host', '0.0.0.0'], {
      ANTHROPIC_API_KEY: 'k',
      RXLLM_API_KEY: 'serve-key',
    });
    expect(command).toMatchObject({
      kind: 'serve',
      options: { provider: 'anthropic', model: 'claude-x', port: 9000, host: '0.0.0.0', splitReasoning: true, idleTimeoutMs: 30_000, fallback: true, maxBodyBytes: 2097152 },
    });
  });

  it('refuses a prompt, a bad port, --speed with a real provider, an unknown replay', () => {
    for (const args of [['hello'], ['--port', '70000'], ['--provider', 'openai', '--speed', '2'], ['--replay', 'nope'], ['--bogus']]) {
      expect(() => parseServeArgs(args, {}), args.join(' ')).toThrow(CliError);
    }
    expect(parseServeArgs(['--help'], {})).toEqual({ kind: 'serve-help' });
  });
});
