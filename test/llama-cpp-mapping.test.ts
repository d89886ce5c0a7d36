/**
 * rxllm/llama-cpp's pure parts, without node-llama-cpp: the request → chat history and
 * functions, the stop reason table, the callbacks → deltas mapper (thought segments, streamed
 * and whole function calls, usage, finish), and the thread count.
 */
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import {
  defaultThreads,
  LlamaCppResponseMapper,
  mapLlamaCppStopReason,
  toLlamaChatHistory,
  toLlamaFunctions,
  type LlamaCppResponseChunk,
} from '../src/providers/llama-cpp/index.ts';

function mapper(): { deltas: Delta[]; m: LlamaCppResponseMapper } {
  const deltas: Delta[] = [];
  return { deltas, m: new LlamaCppResponseMapper({ next: (d) => deltas.push(d) }, 'r1') };
}

const text = (t: string, tokens = [1]): LlamaCppResponseChunk => ({ type: undefined, segmentType: undefined, text: t, tokens });
const thought = (t: string, tokens = [1]): LlamaCppResponseChunk => ({ type: 'segment', segmentType: 'thought', text: t, tokens });

describe('toLlamaChatHistory', () => {
  it('maps the system prompt and the turns to node-llama-cpp history items, in order', () => {
    expect(
      toLlamaChatHistory({
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'Why is the sky blue?' },
        ],
      }),
    ).toStrictEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: ['Hello!'] },
      { type: 'user', text: 'Why is the sky blue?' },
    ]);
  });

  it('leaves out an absent or empty system prompt', () => {
    expect(toLlamaChatHistory({ messages: [{ role: 'user', content: 'Q' }] })).toStrictEqual([{ type: 'user', text: 'Q' }]);
    expect(toLlamaChatHistory({ system: '', messages: [] })).toStrictEqual([]);
  });
});

describe('toLlamaFunctions', () => {
  it('keys the tools by name, with the JSON schema as params', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    expect(toLlamaFunctions([{ name: 'weather', description: 'The weather', parameters }, { name: 'now' }])).toStrictEqual({
      weather: { description: 'The weather', params: parameters },
      now: {},
    });
    expect(toLlamaFunctions([])).toBeUndefined();
    expect(toLlamaFunctions(undefined)).toBeUndefined();
  });
});

describe('mapLlamaCppStopReason', () => {
  it.each([
    ['eogToken', 'stop'],
    ['stopGenerationTrigger', 'stop'],
    ['customStopTrigger', 'stop'],
    ['maxTokens', 'length'],
    ['functionCalls', 'tool-calls'],
    ['abort', 'other'],
    ['somethingNew', 'other'],
  ])('%s → %s', (raw, reason) => {
    expect(mapLlamaCppStopReason(raw)).toBe(reason);
  });
});

describe('LlamaCppResponseMapper', () => {
  it('text chunks → text, thought segments → reasoning (tokens counted), empty chunks dropped; usage and finish at the end', () => {
    const { deltas, m } = mapper();
    m.onResponseChunk(thought('Let me think', [5, 6]));
    m.onResponseChunk(thought(''));
    m.onResponseChunk(thought('.', [7]));
    m.onResponseChunk(text('The'));
    m.onResponseChunk(text(''));
    m.onResponseChunk({ type: 'segment', segmentType: 'comment', text: ' note', tokens: [9] });
    m.end('eogToken', { inputTokens: 11, outputTokens: 9 });
    expect(deltas).toStrictEqual([
      { type: 'reasoning', text: 'Let me think' },
      { type: 'reasoning', text: '.' },
      { type: 'text', text: 'The' },
      { type: 'text', text: ' note' },
      { type: 'usage', inputTokens: 11, outputTokens: 9, reasoningTokens: 3 },
      { type: 'finish', reason: 'stop', raw: 'eogToken' },
    ]);
  });

  it('streamed function call params → tool-call start, deltas, end; finish tool-calls', () => {
    const { deltas, m } = mapper();
    m.onResponseChunk(text('Checking.'));
    m.onFunctionCallParamsChunk({ callIndex: 0, functionName: 'weather', paramsChunk: '', done: false });
    m.onFunctionCallParamsChunk({ callIndex: 0, functionName: 'weather', paramsChunk: '{"city":', done: false });
    m.onFunctionCallParamsChunk({ callIndex: 0, functionName: 'weather', paramsChunk: '"Paris"}', done: true });
    m.onFunctionCallParamsChunk({ callIndex: 1, functionName: 'now', paramsChunk: '{}', done: false });
    m.end('functionCalls', { inputTokens: 30, outputTokens: 12 }, [
      { functionName: 'weather', params: { city: 'Paris' } },
      { functionName: 'now', params: {} },
    ]);
    expect(deltas).toStrictEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'r1-call-0', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argsText: '{"city":' },
      { type: 'tool-call-delta', index: 0, argsText: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'r1-call-1', name: 'now' },
      { type: 'tool-call-delta', index: 1, argsText: '{}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'usage', inputTokens: 30, outputTokens: 12 },
      { type: 'finish', reason: 'tool-calls', raw: 'functionCalls' },
    ]);
  });

  it('function calls that were not streamed arrive whole at the end, params as JSON', () => {
    const { deltas, m } = mapper();
    m.end('functionCalls', { inputTokens: 3, outputTokens: 4 }, [
      { functionName: 'weather', params: { city: 'Oslo' } },
      { functionName: 'now', params: undefined },
    ]);
    expect(deltas.slice(0, 5)).toStrictEqual([
      { type: 'tool-call-start', index: 0, id: 'r1-call-0', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argsText: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'r1-call-1', name: 'now' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });

  it('gives every response its own tool call ids by default', () => {
    const ids = [0, 1].map(() => {
      const deltas: Delta[] = [];
      new LlamaCppResponseMapper({ next: (d) => deltas.push(d) }).end('functionCalls', {}, [{ functionName: 'f', params: {} }]);
      return (deltas[0] as { id: string }).id;
    });
    expect(ids[0]).toMatch(/^llama-cpp-\w+-call-0$/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('defaultThreads', () => {
  it('uses the free cores: at least 1, at most all cores but one', () => {
    expect(defaultThreads(2, 0)).toBe(1);
    expect(defaultThreads(2, 5)).toBe(1);
    expect(defaultThreads(1, 0)).toBe(1);
    expect(defaultThreads(8, 0.2)).toBe(7);
    expect(defaultThreads(8, 3.4)).toBe(5);
    expect(defaultThreads(16, 40)).toBe(1);
    expect(defaultThreads()).toBeGreaterThanOrEqual(1);
  });
});
