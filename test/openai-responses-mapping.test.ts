/**
 * The Responses mapper, event by event, on every recorded stream in test/fixtures/openai-responses
 * (byte-exact `.sse` bodies where recorded), plus the events no fixture has (incomplete, refusal,
 * failed, arguments only in `.done`).
 */
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError } from '../src/core/errors.ts';
import { mapIncompleteReason, mapResponseUsage, ResponsesStreamMapper } from '../src/providers/openai-responses/decode-stream.ts';
import { listCases, loadCase, type FixtureCase } from './support/fixtures.ts';
import { accumulateAll, callsOf, expectRecorded, runMapper, sse, sseEvents } from './support/openai-events.ts';
import { responseFromEvents } from './support/openai-nonstream.ts';

const cases = listCases('openai-responses');

function mapCase(c: FixtureCase) {
  return runMapper(sseEvents(c), (out) => new ResponsesStreamMapper(out));
}

/** Events typed as the API sends them (`event:` line = `data.type`). */
function map(events: { type: string; [k: string]: unknown }[]) {
  return runMapper(
    events.map((e) => sse(e, e.type)),
    (out) => new ResponsesStreamMapper(out),
  );
}

const created = { type: 'response.created', response: { id: 'resp_1', model: 'gpt-x', status: 'in_progress' } };
const completed = (extra: object = {}) => ({ type: 'response.completed', response: { id: 'resp_1', status: 'completed', ...extra } });

describe('ResponsesStreamMapper on recorded streams', () => {
  it('has every openai-responses fixture', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'openai-responses/error-event',
      'openai-responses/function-call',
      'openai-responses/reasoning-function-call-usage',
      'openai-responses/reasoning-summary',
      'openai-responses/text',
    ]);
  });

  for (const c of cases) {
    it(`${c.id}: reconstructs index.json's expect`, () => {
      const { deltas, error, done, snapshot: s } = mapCase(c);
      const x = c.expect;
      expectRecorded(s, error, x);
      expect(done).toBe(true);
      if (x.error === null) {
        expect(s.finishReason).toBe(x.toolCalls.length > 0 ? 'tool-calls' : 'stop');
        expect(deltas.at(-1)!.type).toBe('finish');
        expect(deltas.at(-2)!.type).toBe('usage');
      }
      const response = (c.events[0] as { data: { response: { id: string; model: string } } }).data.response;
      expect(deltas[0]).toEqual({ type: 'metadata', provider: 'openai-responses', id: response.id, model: response.model });
      expect(deltas.every((d) => !('text' in d) || d.text !== '')).toBe(true);
    });
  }

  it('usage from response.completed: input, output, reasoning, cached tokens', () => {
    expect(mapCase(loadCase('openai-responses/reasoning-summary')).snapshot.usage).toEqual({
      inputTokens: 13,
      outputTokens: 1680,
      reasoningTokens: 1408,
      cachedInputTokens: 0,
    });
  });

  it('function call: start with call_id and name, end at arguments.done (once)', () => {
    const { deltas } = mapCase(loadCase('openai-responses/reasoning-function-call-usage'));
    const calls = deltas.filter((d) => d.type.startsWith('tool-call'));
    expect(calls[0]).toEqual({ type: 'tool-call-start', index: 0, id: 'call_CWXgs68YprAjp6t0371hiPOI', name: 'final_result' });
    expect(calls.filter((d) => d.type === 'tool-call-end')).toEqual([{ type: 'tool-call-end', index: 0 }]);
    expect(calls.at(-1)!.type).toBe('tool-call-end');
  });

  it('error event: insufficient_quota is not retryable; the stream is done', () => {
    const { error } = mapCase(loadCase('openai-responses/error-event'));
    expect(error).toMatchObject({ provider: 'openai-responses', code: 'insufficient_quota', retryable: false, status: undefined });
  });
});

describe('ResponsesStreamMapper on events without a fixture', () => {
  it('response.incomplete (max_output_tokens) → usage, finish length with the reason as raw', () => {
    const { deltas, done } = map([
      created,
      { type: 'response.output_text.delta', output_index: 0, delta: 'Hel' },
      { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 5, output_tokens: 1 } } },
    ]);
    expect(done).toBe(true);
    expect(deltas.slice(-2)).toEqual([
      { type: 'usage', inputTokens: 5, outputTokens: 1 },
      { type: 'finish', reason: 'length', raw: 'max_output_tokens' },
    ]);
  });

  it('response.incomplete (content_filter) → content-filter', () => {
    const { snapshot } = map([created, { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'content_filter' } } }]);
    expect([snapshot.finishReason, snapshot.finishRaw]).toEqual(['content-filter', 'content_filter']);
  });

  it('refusal deltas → refusal, finish as the provider said (stop, raw completed)', () => {
    const { snapshot } = map([created, { type: 'response.refusal.delta', output_index: 0, delta: "I can't" }, completed()]);
    expect([snapshot.text, snapshot.refusal, snapshot.finishReason, snapshot.finishRaw]).toEqual(['', "I can't", 'stop', 'completed']);
  });

  it('reasoning text deltas (gpt-oss) → reasoning', () => {
    const { snapshot } = map([created, { type: 'response.reasoning_text.delta', output_index: 0, delta: 'think' }, completed()]);
    expect(snapshot.reasoning).toBe('think');
  });

  it('arguments given only in .done, and a call never ended before completed, still end once', () => {
    const { deltas, snapshot } = map([
      created,
      { type: 'response.output_item.added', output_index: 0, item: { type: 'function_call', call_id: 'c1', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.done', output_index: 0, arguments: '{"a":1}' },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' } },
      { type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', call_id: 'c2', name: 'g', arguments: '' } },
      { type: 'response.function_call_arguments.delta', output_index: 1, delta: '{}' },
      completed(),
    ]);
    expect(callsOf(snapshot)).toEqual([
      { id: 'c1', name: 'f', arguments: '{"a":1}' },
      { id: 'c2', name: 'g', arguments: '{}' },
    ]);
    expect(deltas.filter((d) => d.type === 'tool-call-end')).toEqual([
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
    ]);
    expect(snapshot.finishReason).toBe('tool-calls');
  });

  it('response.failed → ProviderError by code (server_error retryable)', () => {
    const { error, done } = map([created, { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'oops' } } }]);
    expect(done).toBe(true);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'server_error', retryable: true });
    expect((error as Error).message).toContain('oops');
  });

  it('error event in the documented flat shape, rate_limit_exceeded → retryable', () => {
    const { error } = map([created, { type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null }]);
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
  });

  it('an event that is not JSON → MalformedChunkError', () => {
    const mapper = new ResponsesStreamMapper({ next() {} });
    expect(() => mapper.onEvent(sse('{"type":"response.output_text.delta","delta":"x"', 'response.output_text.delta'))).toThrow(MalformedChunkError);
  });
});

describe('mapIncompleteReason / mapResponseUsage', () => {
  it('is total', () => {
    expect(['max_output_tokens', 'content_filter', 'something_new'].map(mapIncompleteReason)).toEqual(['length', 'content-filter', 'other']);
  });

  it('leaves absent counts out', () => {
    expect(mapResponseUsage({ input_tokens: 1 })).toEqual({ type: 'usage', inputTokens: 1 });
  });
});

describe('ResponsesStreamMapper.onResponse (stream: false)', () => {
  for (const c of cases.filter((c) => c.expect.error === null)) {
    it(`${c.id}: the recorded response object maps to the same snapshot as the stream`, () => {
      const streamed = mapCase(c).snapshot;
      const deltas: Delta[] = [];
      new ResponsesStreamMapper({ next: (d) => deltas.push(d) }).onResponse(responseFromEvents(c.events) as any);
      const whole = accumulateAll(deltas);
      expect({ ...whole, deltaCount: 0 }).toEqual({ ...streamed, deltaCount: 0 });
    });
  }

  it('a failed response → ProviderError', () => {
    const mapper = new ResponsesStreamMapper({ next() {} });
    expect(() => mapper.onResponse(responseFromEvents(loadCase('openai-responses/error-event').events) as any)).toThrow(ProviderError);
  });
});
