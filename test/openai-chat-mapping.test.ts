/**
 * The Chat Completions mapper, event by event, on every recorded stream in
 * test/fixtures/openai-chat and openai-compatible (byte-exact `.sse` bodies where recorded),
 * plus the wire shapes no fixture has (refusal, legacy function_call, missing index, errors).
 */
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { ChatStreamMapper, mapChatCompletion, mapChatFinishReason, mapChatUsage, type ChatMappingOptions } from '../src/providers/openai/decode-stream.ts';
import { listCases, loadCase, type FixtureCase } from './support/fixtures.ts';
import { accumulateAll, callsOf, expectRecorded, runMapper, sse, sseEvents } from './support/openai-events.ts';
import { chatCompletionFromEvents } from './support/openai-nonstream.ts';

const cases = listCases('openai-chat', 'openai-compatible');

function mapCase(c: FixtureCase, options?: ChatMappingOptions) {
  return runMapper(sseEvents(c), (out) => new ChatStreamMapper(out, options));
}

function map(events: unknown[], options?: ChatMappingOptions) {
  return runMapper(
    events.map((e) => (e === '[DONE]' ? sse('[DONE]') : sse(e))),
    (out) => new ChatStreamMapper(out, options),
  );
}

/** A chunk of choice 0 with `delta` and optional `finish_reason`. */
function chunk(delta: object, finish_reason: string | null = null, extra: object = {}) {
  return { id: 'chatcmpl-1', model: 'm', choices: [{ index: 0, delta, finish_reason }], ...extra };
}

describe('ChatStreamMapper on recorded streams', () => {
  it('has every openai-chat and openai-compatible fixture', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'openai-chat/length',
      'openai-chat/logprobs',
      'openai-chat/multiple-choices',
      'openai-chat/parallel-tool-calls',
      'openai-chat/text',
      'openai-chat/text-long',
      'openai-chat/tool-call',
      'openai-chat/tool-call-obfuscation',
      'openai-compatible/deepseek-reasoning',
      'openai-compatible/groq-reasoning-error-event',
      'openai-compatible/xai-reasoning-tool-call',
    ]);
  });

  for (const c of cases) {
    it(`${c.id}: reconstructs index.json's expect`, () => {
      const { deltas, error, done, snapshot: s } = mapCase(c);
      const x = c.expect;
      expectRecorded(s, error, x);
      if (x.error === null) {
        expect(done).toBe(true);
        expect(s.finishReason).toBe(mapChatFinishReason(x.finishReason!));
        expect(deltas.filter((d) => d.type === 'finish')).toHaveLength(1);
      }
      const first = (c.events[0] as { data: { id: string; model: string } }).data;
      expect(deltas[0]).toEqual({ type: 'metadata', provider: 'openai', id: first.id, model: first.model });
      expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
      expect(deltas.every((d) => !('text' in d) || d.text !== '')).toBe(true);
    });
  }

  it('multiple-choices: choiceIndex follows each choice', () => {
    const c = loadCase('openai-chat/multiple-choices');
    const texts = [0, 1, 2].map((choiceIndex) => mapCase(c, { choiceIndex }).snapshot.text);
    expect(texts).toEqual(c.expect.choiceTexts);
    expect(mapCase(c).snapshot.text).toBe(c.expect.choiceTexts![0]);
  });

  it('tool calls: start with id and name, fragments by index, all ends right before the finish', () => {
    const { deltas } = mapCase(loadCase('openai-chat/parallel-tool-calls'));
    const kinds = deltas.map((d) => d.type);
    const finishAt = kinds.indexOf('finish');
    expect(kinds.slice(finishAt - 2, finishAt + 2)).toEqual(['tool-call-end', 'tool-call-end', 'finish', 'usage']);
    expect(deltas.filter((d) => d.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs' },
      { type: 'tool-call-start', index: 1, id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price' },
    ]);
    expect(deltas.find((d) => d.type === 'finish')).toEqual({ type: 'finish', reason: 'tool-calls', raw: 'tool_calls' });
  });

  it('usage: OpenAI last chunk, DeepSeek on the finishing chunk, xAI cached tokens', () => {
    expect(mapCase(loadCase('openai-chat/text')).snapshot.usage).toEqual({ inputTokens: 14, outputTokens: 30, reasoningTokens: 0 });
    expect(mapCase(loadCase('openai-chat/tool-call-obfuscation')).snapshot.usage).toEqual({
      inputTokens: 53,
      outputTokens: 15,
      reasoningTokens: 0,
      cachedInputTokens: 0,
    });
    expect(mapCase(loadCase('openai-compatible/deepseek-reasoning')).snapshot.usage).toEqual({
      inputTokens: 6,
      outputTokens: 212,
      reasoningTokens: 198,
      cachedInputTokens: 0,
    });
    expect(mapCase(loadCase('openai-compatible/xai-reasoning-tool-call')).snapshot.usage).toEqual({
      inputTokens: 307,
      outputTokens: 26,
      reasoningTokens: 227,
      cachedInputTokens: 306,
    });
  });

  it('groq event: error → ProviderError with status_code, code, not retryable', () => {
    const { error } = mapCase(loadCase('openai-compatible/groq-reasoning-error-event'));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 400, code: 'tool_use_failed', retryable: false });
    expect((error as Error).message).toContain('Tool call validation failed');
  });

  it('length: finish length with raw kept', () => {
    const { snapshot } = mapCase(loadCase('openai-chat/length'));
    expect([snapshot.finishReason, snapshot.finishRaw]).toEqual(['length', 'length']);
  });
});

describe('ChatStreamMapper on wire shapes without a fixture', () => {
  it('refusal → a refusal delta (not text), finish as the provider said (stop)', () => {
    const { deltas, snapshot } = map([chunk({ role: 'assistant', refusal: '' }), chunk({ refusal: "I'm sorry" }), chunk({}, 'stop'), '[DONE]']);
    expect(deltas.slice(1)).toStrictEqual([
      { type: 'refusal', text: "I'm sorry" },
      { type: 'finish', reason: 'stop', raw: 'stop' },
    ]);
    expect(snapshot.text).toBe('');
    expect(snapshot.refusal).toBe("I'm sorry");
    expect([snapshot.finishReason, snapshot.finishRaw]).toEqual(['stop', 'stop']);
  });

  it('content as an array of parts (Mistral): text parts → text, thinking parts → reasoning', () => {
    const { deltas, snapshot, done } = map([
      chunk({ role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Let me ' }, { type: 'text', text: 'think.' }] }] }),
      chunk({ content: [{ type: 'text', text: 'The answer' }, { type: 'text', text: ' is 4.' }] }),
      chunk({ content: [{ type: 'thinking', thinking: 'more' }, { type: 'text', text: '' }] }, 'stop'),
      '[DONE]',
    ]);
    expect(done).toBe(true);
    expect(snapshot.reasoning).toBe('Let me think.more');
    expect(snapshot.text).toBe('The answer is 4.');
    expect(deltas.every((d) => !('text' in d) || d.text !== '')).toBe(true);
  });

  it('fragments after finish_reason are written before the finish; a late id and name reach the call', () => {
    const { deltas, snapshot } = map([
      chunk({ role: 'assistant', tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'weather', arguments: '"Paris"' } }] }, 'tool_calls'),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }),
      chunk({ content: 'late text' }),
      { id: 'chatcmpl-1', model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } },
      '[DONE]',
    ]);
    expect(deltas.map((d) => d.type)).toEqual([
      'metadata',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-delta',
      'tool-call-delta',
      'text',
      'tool-call-end',
      'finish',
      'usage',
    ]);
    expect(callsOf(snapshot)).toEqual([{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }]);
    expect(snapshot.toolCalls[0]!.args).toEqual({ city: 'Paris' });
    expect(snapshot.text).toBe('late text');
    expect(deltas.filter((d) => d.type === 'finish')).toHaveLength(1);
  });

  it('a call without id (legacy function_call, id-less servers) starts at its name: arguments stream before the finish', () => {
    const { deltas } = map([
      chunk({ function_call: { name: 'f', arguments: '' } }),
      chunk({ function_call: { arguments: '{"a":1}' } }),
      chunk({ tool_calls: [{ index: 1, function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'function_call'),
      '[DONE]',
    ]);
    expect(deltas.slice(1, 4)).toStrictEqual([
      { type: 'tool-call-start', index: 0, id: '', name: 'f' },
      { type: 'tool-call-delta', index: 0, argsText: '{"a":1}' },
      { type: 'tool-call-start', index: 1, id: '', name: 'g' },
    ]);
  });

  it('a body that ends after finish_reason without [DONE] is done; before any finish it is not', () => {
    const out: Delta[] = [];
    const m = new ChatStreamMapper({ next: (d) => out.push(d) });
    m.onEvent(sse(chunk({ content: 'Hi' })));
    m.end();
    expect(m.done).toBe(false);
    m.onEvent(sse(chunk({}, 'stop')));
    expect(out.at(-1)!.type).toBe('text');
    m.end();
    expect(m.done).toBe(true);
    expect(out.at(-1)).toStrictEqual({ type: 'finish', reason: 'stop', raw: 'stop' });
  });

  it('logprobs ride on the text and refusal deltas, as the provider sent them', () => {
    const lp = [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [] }];
    const rp = [{ token: 'No', logprob: -0.2, bytes: null, top_logprobs: [] }];
    const { deltas } = map([
      { ...chunk({ content: 'Hi' }), choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: { content: lp, refusal: null }, finish_reason: null }] },
      { ...chunk({ refusal: 'No' }), choices: [{ index: 0, delta: { refusal: 'No' }, logprobs: { content: null, refusal: rp }, finish_reason: 'stop' }] },
      '[DONE]',
    ]);
    expect(deltas.slice(1, 3)).toStrictEqual([
      { type: 'text', text: 'Hi', logprobs: lp },
      { type: 'refusal', text: 'No', logprobs: rp },
    ]);
  });

  it('legacy function_call → tool call 0 with an empty id, finish tool-calls', () => {
    const { snapshot } = map([chunk({ function_call: { name: 'f', arguments: '' } }), chunk({ function_call: { arguments: '{"a":1}' } }), chunk({}, 'function_call'), '[DONE]']);
    expect(callsOf(snapshot)).toEqual([{ id: '', name: 'f', arguments: '{"a":1}' }]);
    expect(snapshot.toolCalls[0]!.args).toEqual({ a: 1 });
    expect(snapshot.finishReason).toBe('tool-calls');
  });

  it('tool calls without index: an id starts the next call, fragments without id continue the last', () => {
    const { snapshot } = map([
      chunk({ tool_calls: [{ id: 'a', function: { name: 'f', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ function: { arguments: ':1}' } }] }),
      chunk({ tool_calls: [{ id: 'b', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ]);
    expect(callsOf(snapshot)).toEqual([
      { id: 'a', name: 'f', arguments: '{"x":1}' },
      { id: 'b', name: 'g', arguments: '{}' },
    ]);
    expect(snapshot.toolCalls.map((t) => t.index)).toEqual([0, 1]);
  });

  it('a wire index that does not start at 0 or skips: deltas carry the position among the calls, as every source', () => {
    const { deltas, snapshot } = map([
      chunk({ tool_calls: [{ index: 3, id: 'a', function: { name: 'f', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 7, id: 'b', function: { name: 'g', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 3, function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ]);
    expect(deltas.filter((d) => d.type.startsWith('tool-call')).map((d) => [d.type, (d as { index: number }).index])).toEqual([
      ['tool-call-start', 0],
      ['tool-call-delta', 0],
      ['tool-call-start', 1],
      ['tool-call-delta', 1],
      ['tool-call-delta', 0],
      ['tool-call-end', 0],
      ['tool-call-end', 1],
    ]);
    expect(snapshot.toolCalls.map((t) => [t.index, t.id, t.args])).toEqual([
      [0, 'a', { x: 1 }],
      [1, 'b', {}],
    ]);
  });

  it('reasoning from delta.reasoning (Groq, OpenRouter) and delta.reasoning_content (DeepSeek), never twice', () => {
    const { snapshot } = map([chunk({ reasoning: 'a' }), chunk({ reasoning_content: 'b', reasoning: 'b' }), chunk({ content: 'c' }, 'stop'), '[DONE]']);
    expect([snapshot.reasoning, snapshot.text]).toEqual(['ab', 'c']);
  });

  it('[DONE] without finish_reason → StreamTruncatedError naming finishOnDone', () => {
    const { error, deltas } = map([chunk({ content: 'hi' }), '[DONE]']);
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as Error).message).toContain('finishOnDone');
    expect(deltas.some((d) => d.type === 'finish')).toBe(false);
  });

  it('finishOnDone accepts [DONE] without finish_reason: finish stop (tool-calls when calls arrived), no raw', () => {
    const text = map([chunk({ content: 'hi' }), '[DONE]'], { finishOnDone: true });
    expect(text.error).toBeUndefined();
    expect(text.deltas.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const call = map([chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }] }), '[DONE]'], { finishOnDone: true });
    expect(call.deltas.slice(-2)).toEqual([
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it("OpenRouter's chunk with an error field → ProviderError with the numeric code as status", () => {
    const { error } = map([chunk({ content: 'x' }), { id: 'x', error: { code: 502, message: 'Provider returned error' }, choices: [{ index: 0, delta: {}, finish_reason: 'error' }] }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, code: undefined, retryable: true });
  });

  it('event: error without a status → retryable by code; non-JSON error data is the message', () => {
    const mapper = new ChatStreamMapper({ next() {} });
    const server = (() => {
      try {
        mapper.onEvent(sse({ error: { message: 'boom', type: 'server_error', code: 'server_error' } }, 'error'));
      } catch (err) {
        return err;
      }
    })();
    expect(server).toMatchObject({ status: undefined, code: 'server_error', retryable: true });
    expect(() => mapper.onEvent(sse('upstream failed', 'error'))).toThrow(/upstream failed/);
  });

  it('a chunk that is not JSON → MalformedChunkError naming the line', () => {
    const { error } = map([chunk({ content: 'x' }), '{"choices":[{"delta":{"content":"x"']);
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toBe('{"choices":[{"delta":{"content":"x"');
  });

  it('a repeated finish_reason gives one finish', () => {
    const { deltas } = map([chunk({ content: 'x' }, 'stop'), chunk({}, 'stop', { usage: { prompt_tokens: 1, completion_tokens: 1 } }), '[DONE]']);
    expect(deltas.filter((d) => d.type === 'finish')).toHaveLength(1);
  });
});

describe('mapChatFinishReason / mapChatUsage', () => {
  it('is total, keeping unknown values as other', () => {
    expect(['stop', 'length', 'tool_calls', 'function_call', 'content_filter', 'error', 'eos', ''].map(mapChatFinishReason)).toEqual([
      'stop',
      'length',
      'tool-calls',
      'tool-calls',
      'content-filter',
      'error',
      'other',
      'other',
    ]);
  });

  it('leaves absent counts out (so later usage deltas do not erase earlier ones)', () => {
    expect(mapChatUsage({ prompt_tokens: 3 })).toEqual({ type: 'usage', inputTokens: 3 });
    expect(mapChatUsage({ prompt_tokens: 3, prompt_cache_hit_tokens: 2 })).toEqual({ type: 'usage', inputTokens: 3, cachedInputTokens: 2 });
  });
});

describe('mapChatCompletion (stream: false)', () => {
  for (const c of cases.filter((c) => c.expect.error === null)) {
    it(`${c.id}: the completion built from the stream maps to the same snapshot`, () => {
      const streamed = mapCase(c).snapshot;
      const deltas: Delta[] = [];
      mapChatCompletion(chatCompletionFromEvents(c.events) as any, { next: (d) => deltas.push(d) });
      const whole = accumulateAll(deltas);
      expect(pick(whole)).toEqual(pick(streamed));
      expect(deltas[0]!.type).toBe('metadata');
      // finish and usage in the stream's order (OpenAI streams usage after the finish)
      const tail = (ds: readonly Delta[]) => ds.filter((d) => d.type === 'finish' || d.type === 'usage').map((d) => d.type);
      expect(tail(deltas)).toEqual(tail(mapCase(c).deltas));
    });
  }

  it('follows choiceIndex', () => {
    const c = loadCase('openai-chat/multiple-choices');
    const deltas: Delta[] = [];
    mapChatCompletion(chatCompletionFromEvents(c.events) as any, { next: (d) => deltas.push(d) }, { choiceIndex: 2 });
    expect(accumulateAll(deltas).text).toBe(c.expect.choiceTexts![2]);
  });
});

function pick(s: ReturnType<typeof accumulateAll>) {
  return {
    text: s.text,
    reasoning: s.reasoning,
    toolCalls: s.toolCalls,
    usage: s.usage,
    finishReason: s.finishReason,
    finishRaw: s.finishRaw,
    id: s.id,
    model: s.model,
  };
}
