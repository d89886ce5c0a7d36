/**
 * One request shape for every provider: each adapter's translation of a `ChatRequest` (what it
 * sends, what it reports as ignored, what it refuses), and a three-turn conversation (thinking,
 * a tool call, its result) continued on each provider with `toAssistantMessage` from real
 * recorded answers streamed through `stream()` and the official SDK against the replay server:
 * the third request is what the provider's API reference requires (signatures echoed for
 * Anthropic and Bedrock, `thoughtSignature` for Gemini, `tool_call_id` / `call_id` for OpenAI).
 */
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../src/core/chat-request.ts';
import type { Snapshot } from '../src/core/delta.ts';
import { UnsupportedRequestError } from '../src/core/errors.ts';
import { toAssistantMessage } from '../src/core/to-assistant-message.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { adapterNamed, adapters } from '../src/providers/adapters.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import type { ProviderAdapter } from '../src/sources/provider-adapter.ts';
import { stream } from '../src/sources/stream.ts';
import { loadCase, streamReply } from './support/fixtures.ts';

const weather = { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

/** Every field of the request, once. */
const full: ChatRequest = {
  system: 'Be brief.',
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'What is in the picture, and the weather?' }, { type: 'image', data: 'iVBORw0K', mediaType: 'image/png' }] },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Look, then call.', signature: 'sig-1' },
        { type: 'text', text: 'A cat. Checking.' },
        { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    },
    { role: 'tool', toolCallId: 'call_1', content: '18°C' },
  ],
  tools: [weather],
  toolChoice: 'auto',
  parallelToolCalls: false,
  maxTokens: 300,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  seed: 7,
  reasoning: { effort: 'low' },
  responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' } },
};

const adapter = (name: string): ProviderAdapter => adapterNamed(name)!;

describe('the adapter list', () => {
  it('is the one provider table: unique names and replay formats, every field an adapter needs', () => {
    expect(adapters.map((a) => a.name)).toEqual(['openai', 'openai-responses', 'anthropic', 'google', 'bedrock', 'llama-cpp']);
    const formats = adapters.flatMap((a) => (a.replay === undefined ? [] : [a.replay.format]));
    expect(new Set(formats).size).toBe(formats.length);
    expect(adapterNamed('local')).toBe(adapterNamed('llama-cpp'));
    for (const a of adapters) {
      if (a.name !== 'llama-cpp') expect(a.defaultModel, a.name).not.toBe(''); // a local model is a file the user names
      expect(a.environment.keys.length, a.name).toBeGreaterThan(0);
      expect(typeof a.toParams, a.name).toBe('function');
    }
  });
});

describe('toParams: one request, each provider', () => {
  it('openai: every field has a Chat Completions place; earlier reasoning is reported', () => {
    const { params, ignored } = adapter('openai').toParams(full, 'gpt-x');
    expect(params).toMatchObject({
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }] },
        { role: 'assistant', content: 'A cat. Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(ignored.map((i) => i.param)).toEqual(['messages[1].content[0]']);
  });

  it('anthropic: thinking with its signature, tool_result first, thinking budget, output_config; sampling reported', () => {
    const { params, ignored } = adapter('anthropic').toParams(full, 'claude-x');
    expect(params).toMatchObject({
      model: 'claude-x',
      max_tokens: 300,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Look, then call.', signature: 'sig-1' },
            { type: 'text', text: 'A cat. Checking.' },
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18°C' }] },
      ],
      tools: [{ name: 'get_weather', input_schema: weather.parameters }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    });
    expect(ignored.map((i) => i.param)).toEqual(['temperature', 'topP', 'seed']);
  });

  it('google: thoughtSignature on the part after the thinking, functionResponse by name, config', () => {
    const { params, ignored } = adapter('google').toParams(full, 'gemini-x');
    expect(params).toMatchObject({
      model: 'gemini-x',
      contents: [
        { role: 'user', parts: [{ text: 'What is in the picture, and the weather?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } }] },
        { role: 'model', parts: [{ text: 'A cat. Checking.', thoughtSignature: 'sig-1' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '18°C' } } }] },
      ],
      config: {
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        maxOutputTokens: 300,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ['END'],
        seed: 7,
        thinkingConfig: { thinkingLevel: 'LOW' },
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
      },
    });
    expect(ignored.map((i) => i.param)).toEqual(['parallelToolCalls']);
  });

  it('bedrock: reasoningText with its signature, image bytes, inferenceConfig, thinking budget; the rest reported', () => {
    const { params, ignored } = adapter('bedrock').toParams(full, 'model-x');
    expect(params).toMatchObject({
      modelId: 'model-x',
      system: [{ text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ text: 'What is in the picture, and the weather?' }, { image: { format: 'png' } }] },
        {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'Look, then call.', signature: 'sig-1' } } },
            { text: 'A cat. Checking.' },
            { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Paris' } } },
          ],
        },
        { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: '18°C' }] } }] },
      ],
      inferenceConfig: { maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
    });
    const image = (params as { messages: { content: { image?: { source: { bytes: Uint8Array } } }[] }[] }).messages[0]!.content[1]!.image!;
    expect([...image.source.bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]); // PNG magic from the base64
    expect(ignored.map((i) => i.param)).toEqual(['responseFormat', 'parallelToolCalls', 'seed']); // with tools of its own, no forced output tool
  });

  it('openai-responses: instructions, function_call items, text.format; stop and seed reported', () => {
    const { params, ignored } = adapter('openai-responses').toParams(full, 'gpt-x');
    expect(params).toMatchObject({
      model: 'gpt-x',
      instructions: 'Be brief.',
      input: [
        { role: 'user' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { role: 'assistant', content: 'A cat. Checking.' },
        { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
      ],
      max_output_tokens: 300,
      reasoning: { effort: 'low' },
      text: { format: { type: 'json_schema', name: 'answer' } },
    });
    expect(ignored.map((i) => i.param)).toEqual(['messages[1].content[0]', 'stop', 'seed']);
  });

  it('providerOptions reach only their own provider, after the translation', () => {
    const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }], maxTokens: 5, providerOptions: { anthropic: { max_tokens: 9, metadata: { user_id: 'u' } }, openai: { store: true } } };
    expect(adapter('anthropic').toParams(request, 'c').params).toMatchObject({ max_tokens: 9, metadata: { user_id: 'u' } });
    expect(adapter('anthropic').toParams(request, 'c').params).not.toHaveProperty('store');
    expect(adapter('openai').toParams(request, 'g').params).toMatchObject({ max_completion_tokens: 5, store: true });
  });

  it('refuses what cannot be left out, naming the field', () => {
    const url: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] }] };
    expect(() => adapter('bedrock').toParams(url, 'm')).toThrow(UnsupportedRequestError);
    expect(() => adapter('bedrock').toParams(url, 'm')).toThrow(expect.objectContaining({ provider: 'bedrock', param: 'messages[0].content[0]' }));
    const badArgs: ChatRequest = { messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 'a', name: 'f', arguments: '[1]' }] }] };
    for (const name of ['anthropic', 'google', 'bedrock']) {
      expect(() => adapter(name).toParams(badArgs, 'm'), name).toThrow(expect.objectContaining({ param: 'messages[0].content[0].arguments' }));
    }
    const orphan: ChatRequest = { messages: [{ role: 'tool', toolCallId: 'nope', content: 'x' }] };
    expect(() => adapter('google').toParams(orphan, 'm')).toThrow(expect.objectContaining({ param: 'messages[0].toolCallId' }));
  });
});

describe('toAssistantMessage', () => {
  it('keeps reasoning with its signature, redacted blocks, text and complete tool calls in order', () => {
    const snapshot: Snapshot = {
      text: 'Hi',
      reasoning: 'think',
      reasoningSignature: 's',
      redactedReasoning: ['opaque'],
      toolCalls: [
        { index: 0, id: 'c1', name: 'f', argsText: '', complete: true, args: {} },
        { index: 1, id: 'c2', name: 'g', argsText: '{"a"', complete: false },
      ],
      deltaCount: 9,
    };
    expect(toAssistantMessage(snapshot)).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'think', signature: 's' },
        { type: 'reasoning', redacted: true, data: 'opaque' },
        { type: 'text', text: 'Hi' },
        { type: 'tool-call', id: 'c1', name: 'f', arguments: '{}' },
      ],
    });
  });
});

/** Per provider: a recorded answer with thinking, one with a tool call, and what the third request must carry. */
const conversations: { name: string; thinking: string; tool: string; check(body: any, first: Snapshot, second: Snapshot): void }[] = [
  {
    name: 'openai',
    thinking: 'openai-compatible/deepseek-reasoning',
    tool: 'openai-chat/tool-call',
    check(body, first, second) {
      const call = second.toolCalls[0]!;
      expect(body.messages).toEqual([
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'Weather in Edinburgh?' },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.argsText } }] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp":12}' },
      ]);
    },
  },
  {
    name: 'openai-responses',
    thinking: 'openai-responses/reasoning-summary',
    tool: 'openai-responses/reasoning-function-call-usage',
    check(body, _first, second) {
      const call = second.toolCalls[0]!;
      expect(body.input.slice(-2)).toEqual([
        { type: 'function_call', call_id: call.id, name: call.name, arguments: call.argsText },
        { type: 'function_call_output', call_id: call.id, output: '{"temp":12}' },
      ]);
    },
  },
  {
    name: 'anthropic',
    thinking: 'anthropic/thinking',
    tool: 'anthropic/tool-use-weather',
    check(body, first, second) {
      expect(first.reasoningSignature).toMatch(/.{20}/);
      expect(body.messages[1].content[0]).toEqual({ type: 'thinking', thinking: first.reasoning, signature: first.reasoningSignature });
      const call = second.toolCalls[0]!;
      expect(body.messages[3].content.at(-1)).toEqual({ type: 'tool_use', id: call.id, name: call.name, input: call.args });
      expect(body.messages[4]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"temp":12}' }] });
    },
  },
  {
    name: 'google',
    thinking: 'gemini/thought',
    tool: 'gemini/function-call-thought-signature',
    check(body, _first, second) {
      expect(second.reasoningSignature).toMatch(/.{20}/);
      const call = second.toolCalls[0]!;
      expect(body.contents[3]).toEqual({ role: 'model', parts: [{ functionCall: { name: call.name, args: call.args }, thoughtSignature: second.reasoningSignature }] });
      expect(body.contents[4]).toEqual({ role: 'user', parts: [{ functionResponse: { name: call.name, response: { output: '{"temp":12}' } } }] });
    },
  },
  {
    name: 'bedrock',
    thinking: 'bedrock/reasoning',
    tool: 'bedrock/tool-use',
    check(body, first, second) {
      expect(first.reasoningSignature).toMatch(/.{20}/);
      expect(body.messages[1].content[0]).toEqual({ reasoningContent: { reasoningText: { text: first.reasoning, signature: first.reasoningSignature } } });
      const call = second.toolCalls[0]!;
      expect(body.messages[3].content.at(-1)).toEqual({ toolUse: { toolUseId: call.id, name: call.name, input: call.args } });
      expect(body.messages[4].content).toEqual([{ toolResult: { toolUseId: call.id, content: [{ text: '{"temp":12}' }] } }]);
    },
  },
];

describe('a three-turn conversation continues on each provider (recorded answers, official SDKs, stream())', () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer(undefined, { record: true });
  });
  afterAll(() => server.close());

  for (const conversation of conversations) {
    it(`${conversation.name}: thinking and a tool call go back as the provider requires`, async () => {
      const a = adapter(conversation.name);
      const { client } = await a.createClient({ env: {}, baseURL: server.url, maxRetries: 0 });
      const answer = async (fixture: string, messages: ChatMessage[]): Promise<Snapshot> => {
        server.reply(streamReply(loadCase(fixture)));
        return lastValueFrom(stream({ adapter: a, client, model: 'model-x' }, { messages }).pipe(accumulate()));
      };
      const history: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
      const first = await answer(conversation.thinking, history);
      history.push(toAssistantMessage(first), { role: 'user', content: 'Weather in Edinburgh?' });
      const second = await answer(conversation.tool, history);
      expect(second.toolCalls.length).toBeGreaterThan(0);
      history.push(toAssistantMessage(second));
      for (const call of second.toolCalls) history.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: '{"temp":12}' });
      const before = server.requests.length;
      await answer('anthropic/text', history).catch(() => undefined); // the third answer's content does not matter
      conversation.check(server.requests[before]!.body, first, second);
    });
  }
});

describe('the replay codecs list', () => {
  it('holds exactly the codecs of the adapters that have one', async () => {
    const { replayCodecs } = await import('../src/providers/replay-codecs.ts');
    expect(replayCodecs).toEqual(adapters.flatMap((a) => (a.replay === undefined ? [] : [a.replay])));
  });
});

describe('stream() without a client', () => {
  it('builds the client from process.env on subscribe, and a request the provider cannot take errors the subscriber', async () => {
    const server = await startReplayServer(streamReply(loadCase('openai-chat/text')), { record: true });
    const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-from-env';
    process.env.OPENAI_BASE_URL = `${server.url}/v1`;
    try {
      const deltas$ = stream(adapter('openai'), { messages: [{ role: 'user', content: 'hi' }] });
      expect(server.requests).toHaveLength(0); // cold: nothing before subscribe
      const s = await lastValueFrom(deltas$.pipe(accumulate()));
      expect(s.text).toBe(loadCase('openai-chat/text').expect.text);
      expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-from-env');
    } finally {
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.key;
      if (saved.base === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved.base;
      await server.close();
    }
    const refused = stream(adapter('bedrock'), { messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/a.png' }] }] });
    expect(refused.ignored).toEqual([]);
    await expect(lastValueFrom(refused)).rejects.toBeInstanceOf(UnsupportedRequestError);
  });
});
