/**
 * `rxllm serve`'s pure layer: the OpenAI request checked as OpenAI checks it, its translation to
 * Anthropic Messages, Gemini contents, Bedrock Converse and the OpenAI pass-through, the
 * non-streaming `chat.completion` built from a snapshot, and the serve flags.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/delta.ts';
import { parseChatRequest } from '../src/gateway/parse-chat-request.ts';
import { toChatCompletion } from '../src/gateway/chat-completion.ts';
import { InvalidRequestError } from '../src/gateway/invalid-request.ts';
import { parseDuration, parseServeArgs, parseSize } from '../src/cli/serve/serve-args.ts';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicParams } from '../src/providers/anthropic/to-params.ts';
import { toBedrockInput } from '../src/providers/bedrock/to-params.ts';
import { toGoogleParams } from '../src/providers/google/to-params.ts';
import { toOpenAIParams } from '../src/providers/openai/to-params.ts';
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
  it('reads every field the translations use, and names the rest as unmapped', () => {
    const r = parseChatRequest(conversation);
    expect(r.model).toBe('m');
    expect(r.stream).toBe(true);
    expect(r.includeUsage).toBe(true);
    expect(r.system).toEqual(['Be brief.', 'Use metric units.']);
    expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
    expect(r.messages[0]).toEqual({ role: 'user', at: 2, content: [{ type: 'text', text: 'Weather in Paris' }, { type: 'text', text: ' and Rome?' }] });
    expect(r.messages[1]).toMatchObject({ role: 'assistant', at: 3, content: [], toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_2' }] });
    expect(r.messages[3]).toEqual({ role: 'tool', at: 5, toolCallId: 'call_2', content: '24°C, sunny' });
    expect(r.tools).toEqual([{ name: 'get_weather', description: 'Weather in a city', parameters: weatherTool.function.parameters }]);
    expect(r.toolChoice).toBe('auto');
    expect(r.maxTokens).toBe(300); // max_completion_tokens wins over the older max_tokens
    expect(r.temperature).toBe(0.2);
    expect(r.topP).toBe(0.9);
    expect(r.stop).toEqual(['END']);
    expect(r.unmapped).toEqual(['response_format', 'seed']);
  });

  it('defaults: not streaming, no usage, no tools', () => {
    const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(r).toMatchObject({ stream: false, includeUsage: false, tools: undefined, toolChoice: undefined, maxTokens: undefined, stop: undefined, unmapped: [] });
  });

  it('keeps parts other than text by type (the OpenAI pass-through sends them on)', () => {
    const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:,' } }] }] });
    expect(r.messages[0]).toEqual({ role: 'user', at: 0, content: [{ type: 'text', text: 'what is this?' }, { type: 'other', partType: 'image_url' }] });
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

describe('toAnthropicParams', () => {
  it('translates the whole conversation: system blocks, tool_use, tool_result first in the user turn, tools, limits', () => {
    expect(toAnthropicParams(parseChatRequest(conversation), 'claude-x')).toEqual({
      model: 'claude-x',
      max_tokens: 300,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Use metric units.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris' },
            { type: 'text', text: ' and Rome?' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18°C, cloudy' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '24°C, sunny' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Paris 18°C, Rome 24°C.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather in a city', input_schema: weatherTool.function.parameters }],
      tool_choice: { type: 'auto' },
      stop_sequences: ['END'],
    });
  });

  it('puts tool results before text in a user turn, and defaults max_tokens', () => {
    const params = toAnthropicParams(
      parseChatRequest({
        model: 'm',
        messages: [
          { role: 'assistant', content: '', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '' } }] },
          { role: 'user', content: 'also this' },
          { role: 'tool', tool_call_id: 't', content: 'done' },
        ],
      }),
      'claude-x',
    );
    expect(params.max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS);
    expect(params.messages).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'done' },
          { type: 'text', text: 'also this' },
        ],
      },
    ]);
  });

  it('maps tool_choice and parallel_tool_calls', () => {
    const with_ = (extra: Record<string, unknown>) =>
      toAnthropicParams(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], ...extra }), 'c').tool_choice;
    expect(with_({})).toBeUndefined();
    expect(with_({ tool_choice: 'none' })).toEqual({ type: 'none' });
    expect(with_({ tool_choice: 'required' })).toEqual({ type: 'any' });
    expect(with_({ tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false })).toEqual({
      type: 'tool',
      name: 'get_weather',
      disable_parallel_tool_use: true,
    });
    expect(with_({ parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('refuses image parts, custom tools and arguments that are not a JSON object, naming the field', () => {
    const image = thrown(() =>
      toAnthropicParams(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:,' } }] }] }), 'c'),
    );
    expect([image.param, image.code]).toEqual(['messages[0].content[1].type', 'invalid_value']);
    expect(image.message).toMatch(/'image_url' content parts are not translated to anthropic/);
    const custom = thrown(() => toAnthropicParams(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: {} }] }), 'c'));
    expect(custom.param).toBe('tools');
    const args = (text: string) =>
      thrown(() =>
        toAnthropicParams(parseChatRequest({ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: text } }] }] }), 'c'),
      );
    expect(args('{"city":').param).toBe('messages[0].tool_calls[0].function.arguments');
    expect(args('[1]').message).toMatch(/must be a JSON object/);
  });
});

describe('toGoogleParams', () => {
  it('translates the whole conversation: systemInstruction, model turns, functionCall / functionResponse by name, config', () => {
    expect(toGoogleParams(parseChatRequest(conversation), 'gemini-x')).toEqual({
      model: 'gemini-x',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris' }, { text: ' and Rome?' }] },
        {
          role: 'model',
          parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { output: '18°C, cloudy' } } },
            { functionResponse: { name: 'get_weather', response: { output: '24°C, sunny' } } },
          ],
        },
        { role: 'model', parts: [{ text: 'Paris 18°C, Rome 24°C.' }] },
        { role: 'user', parts: [{ text: 'Thanks' }] },
      ],
      config: {
        systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Use metric units.' }] },
        tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parametersJsonSchema: weatherTool.function.parameters }] }],
        toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
        maxOutputTokens: 300,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ['END'],
      },
    });
  });

  it('sends no config for a bare request, maps a named tool_choice, refuses an unknown tool_call_id', () => {
    expect(toGoogleParams(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), 'g')).toEqual({
      model: 'g',
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    });
    const named = toGoogleParams(
      parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } }),
      'g',
    );
    expect(named.config?.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    const orphan = thrown(() => toGoogleParams(parseChatRequest({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }), 'g'));
    expect(orphan.param).toBe('messages[0].tool_call_id');
    expect(orphan.message).toMatch(/no earlier assistant tool call has the id 'nope'/);
  });
});

describe('toBedrockInput', () => {
  it('translates the whole conversation: system, toolUse, toolResult in the user turn, toolConfig, inferenceConfig', () => {
    expect(toBedrockInput(parseChatRequest(conversation), 'us.amazon.nova-lite-v1:0')).toEqual({
      modelId: 'us.amazon.nova-lite-v1:0',
      system: [{ text: 'Be brief.' }, { text: 'Use metric units.' }],
      messages: [
        { role: 'user', content: [{ text: 'Weather in Paris' }, { text: ' and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Paris' } } },
            { toolUse: { toolUseId: 'call_2', name: 'get_weather', input: { city: 'Rome' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'call_1', content: [{ text: '18°C, cloudy' }] } },
            { toolResult: { toolUseId: 'call_2', content: [{ text: '24°C, sunny' }] } },
          ],
        },
        { role: 'assistant', content: [{ text: 'Paris 18°C, Rome 24°C.' }] },
        { role: 'user', content: [{ text: 'Thanks' }] },
      ],
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', description: 'Weather in a city', inputSchema: { json: weatherTool.function.parameters } } }],
        toolChoice: { auto: {} },
      },
      inferenceConfig: { maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    });
  });

  it("maps 'required' and a named choice, and leaves the tools out for 'none'", () => {
    const choice = (tool_choice: unknown) =>
      toBedrockInput(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice }), 'b').toolConfig;
    expect(choice('required')?.toolChoice).toEqual({ any: {} });
    expect(choice({ type: 'function', function: { name: 'get_weather' } })?.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    expect(choice('none')).toBeUndefined();
  });
});

describe('toOpenAIParams (pass-through)', () => {
  it('sends the body unchanged but for model, stream and stream_options', () => {
    const request = parseChatRequest(conversation);
    const { stream: _s, stream_options: _o, ...rest } = conversation;
    expect(toOpenAIParams(request, 'gpt-x', true)).toEqual({ ...rest, model: 'gpt-x', stream_options: { include_usage: true } });
    expect(toOpenAIParams(request, 'gpt-x', false)).toEqual({ ...rest, model: 'gpt-x' });
  });
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
      },
    });
    const command = parseServeArgs(['--port', '9000', '-m', 'claude-x', '--split-reasoning', '--idle-timeout', '30s', '--fallback', '--max-body', '2mb', '--host', '0.0.0.0'], {
      ANTHROPIC_API_KEY: 'k',
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
