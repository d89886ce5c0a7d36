/**
 * The Anthropic mapper, event by event, on every recorded stream in test/fixtures/anthropic
 * (byte-exact `.sse` bodies where recorded, so the padded JSON is what gets parsed).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, MalformedChunkError } from '../src/core/errors.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { AnthropicEventMapper, anthropicUsage, mapAnthropicMessage, mapAnthropicStopReason } from '../src/providers/anthropic/decode-stream.ts';
import { anthropicStreamError, isRetryableAnthropicErrorType } from '../src/providers/anthropic/errors.ts';
import { anthropicMessageFromEvents } from './support/anthropic-nonstream.ts';
import { listCases, type FixtureCase } from './support/fixtures.ts';

/** The case's SSE events: parsed from the byte-exact body when recorded, else from the `.jsonl` lines. */
function sseEvents(c: FixtureCase): EventSourceMessage[] {
  if (!c.parts) return c.events.map((e: any) => ({ event: e.event, data: JSON.stringify(e.data) }));
  const out: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => out.push(e) });
  const decoder = new TextDecoder();
  for (const part of c.parts) parser.feed(decoder.decode(part, { stream: true }));
  return out;
}

/** Runs the mapper over a case: the deltas, the error thrown (if any), and whether the terminal event was seen. */
function mapCase(c: FixtureCase): { deltas: Delta[]; error: unknown; done: boolean } {
  const deltas: Delta[] = [];
  const mapper = new AnthropicEventMapper({ next: (d) => deltas.push(d) });
  let error: unknown;
  for (const event of sseEvents(c)) {
    try {
      mapper.onEvent(event);
    } catch (err) {
      error = err;
      break;
    }
  }
  return { deltas, error, done: mapper.done };
}

function accumulateAll(deltas: readonly Delta[]) {
  const b = new SnapshotBuilder();
  for (const d of deltas) b.apply(d);
  return b.snapshot();
}

const cases = listCases('anthropic');

describe('AnthropicEventMapper on recorded streams', () => {
  it('has every anthropic fixture', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'anthropic/error-overloaded',
      'anthropic/text',
      'anthropic/text-padded',
      'anthropic/thinking',
      'anthropic/tool-use',
      'anthropic/tool-use-max-tokens',
      'anthropic/tool-use-weather',
    ]);
  });

  for (const c of cases) {
    it(`${c.id}: reconstructs index.json's expect`, () => {
      const { deltas, error, done } = mapCase(c);
      const s = accumulateAll(deltas);
      const x = c.expect;
      expect(s.text).toBe(x.text);
      expect(s.reasoning).toBe(x.reasoning);
      expect(s.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.argsText }))).toEqual(x.toolCalls);
      for (const call of s.toolCalls) {
        expect(call.complete).toBe(true);
        let parsed: unknown;
        try {
          parsed = JSON.parse(call.argsText);
        } catch {
          parsed = undefined;
        }
        if (parsed === undefined) {
          expect(call.args).toBeUndefined();
          expect(call.argsError).toBeTypeOf('string');
        } else {
          expect(call.args).toEqual(parsed);
        }
      }
      expect(s.finishRaw ?? null).toBe(x.finishReason);
      expect(deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined)).toHaveLength(x.signatures ?? 0);
      expect(s.redactedReasoning?.length ?? 0).toBe(x.redactedReasoning ?? 0);
      if (x.error === null) {
        expect(error).toBeUndefined();
        expect(done).toBe(true);
        expect(deltas.at(-1)!.type).toBe('finish');
      } else {
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as ProviderError).code).toBe(x.error);
        expect(done).toBe(false);
      }
      expect(deltas[0]).toEqual({ type: 'metadata', provider: 'anthropic', id: (c.events[0] as any).data.message.id, model: (c.events[0] as any).data.message.model });
      for (const d of deltas) {
        if (d.type === 'text') expect(d.text).not.toBe('');
        if (d.type === 'tool-call-delta') expect(d.argsText).not.toBe('');
        if (d.type === 'reasoning' && d.text === '') expect(d.signature).toBeTypeOf('string');
      }
    });
  }

  it('numbers tool calls by their position among tool calls, not by content block', () => {
    const { deltas } = mapCase(cases.find((c) => c.id === 'anthropic/tool-use-weather')!);
    const calls = deltas.filter((d) => d.type.startsWith('tool-call'));
    expect(calls.map((d) => d.type === 'tool-call-start' || d.type === 'tool-call-end' || d.type === 'tool-call-delta' ? d.index : -1)).toEqual(calls.map(() => 0));
    expect(calls[0]).toEqual({ type: 'tool-call-start', index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' });
    expect(deltas.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', raw: 'tool_use' });
  });

  it('ends the call that max_tokens cut off at message_delta, keeping its unparsable arguments', () => {
    const { deltas } = mapCase(cases.find((c) => c.id === 'anthropic/tool-use-max-tokens')!);
    const tail = deltas.slice(-3).map((d) => d.type);
    expect(tail).toEqual(['tool-call-end', 'usage', 'finish']);
    const s = accumulateAll(deltas);
    expect(s.finishReason).toBe('length');
    expect(s.toolCalls[0]!.argsError).toBeTypeOf('string');
    expect(s.toolCalls[0]!.argsText.endsWith('"Filing taxes')).toBe(true);
  });

  it('carries the thinking signature on a reasoning delta of its own', () => {
    const { deltas } = mapCase(cases.find((c) => c.id === 'anthropic/thinking')!);
    const signed = deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined);
    expect(signed).toHaveLength(1);
    expect(signed[0]).toMatchObject({ type: 'reasoning', text: '' });
    expect(accumulateAll(deltas).reasoningSignature).toBe((signed[0] as { signature: string }).signature);
  });

  it('maps usage: input at message_start, output at message_delta', () => {
    const { deltas } = mapCase(cases.find((c) => c.id === 'anthropic/text')!);
    expect(deltas.filter((d) => d.type === 'usage')).toEqual([
      { type: 'usage', inputTokens: 12, cachedInputTokens: 0 },
      { type: 'usage', inputTokens: 12, cachedInputTokens: 0, outputTokens: 30 },
    ]);
  });

  it('raises the in-stream error as a retryable ProviderError after the text so far', () => {
    const { deltas, error } = mapCase(cases.find((c) => c.id === 'anthropic/error-overloaded')!);
    expect(accumulateAll(deltas).text).toBe('Hello! I');
    expect(error).toMatchObject({ provider: 'anthropic', code: 'overloaded_error', retryable: true, status: undefined });
  });
});

describe('Anthropic mapping rules', () => {
  it('maps every stop reason, keeping unknown ones as other', () => {
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'model_context_window_exceeded', 'tool_use', 'refusal', 'pause_turn', 'something_new'].map(
        mapAnthropicStopReason,
      ),
    ).toEqual(['stop', 'stop', 'length', 'length', 'tool-calls', 'content-filter', 'other', 'other']);
  });

  it('counts cache reads and writes as input, cache reads as cached', () => {
    expect(anthropicUsage({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 }, false)).toEqual({
      type: 'usage',
      inputTokens: 115,
      cachedInputTokens: 100,
    });
    expect(anthropicUsage({ output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } }, true)).toEqual({
      type: 'usage',
      outputTokens: 40,
      reasoningTokens: 25,
    });
    expect(anthropicUsage({ output_tokens: 3 }, false)).toBeUndefined();
  });

  it('maps redacted thinking, skips server tools and empty fragments, and numbers client tool calls apart', () => {
    const deltas: Delta[] = [];
    const mapper = new AnthropicEventMapper({ next: (d) => deltas.push(d) });
    const events = [
      { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EnCrYpTeD' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: '' } },
      { type: 'content_block_delta', index: 3, delta: { type: 'citations_delta', citation: {} } },
      { type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'ok' } },
      { type: 'content_block_stop', index: 3 },
      { type: 'content_block_start', index: 4, content_block: { type: 'tool_use', id: 'toolu_a', name: 'a', input: {} } },
      { type: 'content_block_delta', index: 4, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_stop', index: 4 },
      { type: 'content_block_start', index: 5, content_block: { type: 'tool_use', id: 'toolu_b', name: 'b', input: {} } },
      { type: 'content_block_delta', index: 5, delta: { type: 'input_json_delta', partial_json: '{"n":1}' } },
      { type: 'content_block_stop', index: 5 },
      { type: 'some_future_event' },
      { type: 'message_delta', delta: { stop_reason: 'pause_turn' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ];
    for (const e of events) mapper.map(e);
    expect(mapper.done).toBe(true);
    expect(deltas).toEqual([
      { type: 'metadata', provider: 'anthropic', id: 'msg_1', model: 'claude-x' },
      { type: 'usage', inputTokens: 5 },
      { type: 'reasoning', text: 'EnCrYpTeD', redacted: true },
      { type: 'text', text: 'ok' },
      { type: 'tool-call-start', index: 0, id: 'toolu_a', name: 'a' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'toolu_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argsText: '{"n":1}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'usage', outputTokens: 9 },
      { type: 'finish', reason: 'other', raw: 'pause_turn' },
    ]);
    const s = accumulateAll(deltas);
    expect(s.redactedReasoning).toEqual(['EnCrYpTeD']);
    expect(s.toolCalls.map((t) => t.args)).toEqual([{}, { n: 1 }]);
  });

  it('finishes with other when message_stop comes without a stop reason', () => {
    const deltas: Delta[] = [];
    const mapper = new AnthropicEventMapper({ next: (d) => deltas.push(d) });
    mapper.map({ type: 'message_start', message: { id: 'm', model: 'x' } });
    mapper.map({ type: 'message_stop' });
    expect(deltas.at(-1)).toEqual({ type: 'finish', reason: 'other' });
  });

  it('raises MalformedChunkError for data that is not JSON, naming the line', () => {
    const mapper = new AnthropicEventMapper({ next: () => {} });
    expect(() => mapper.onEvent({ event: 'content_block_delta', data: '{"type":"content_block_delta",' })).toThrow(MalformedChunkError);
  });

  it('reports an error event whose data is not JSON as a ProviderError, not a parse error', () => {
    const mapper = new AnthropicEventMapper({ next: () => {} });
    expect(() => mapper.onEvent({ event: 'error', data: 'upstream overloaded' })).toThrow(ProviderError);
  });

  it('sets retryable by error type', () => {
    expect(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error', 'invalid_request_error', 'authentication_error', undefined].map(isRetryableAnthropicErrorType)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    const err = anthropicStreamError({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } });
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'invalid_request_error', retryable: false });
  });

  for (const c of cases.filter((c) => c.expect.error === null && c.id !== 'anthropic/tool-use-max-tokens')) {
    it(`${c.id}: the non-streaming Message maps to the streamed snapshot`, () => {
      const streamed = accumulateAll(mapCase(c).deltas);
      const deltas: Delta[] = [];
      mapAnthropicMessage(anthropicMessageFromEvents(c.events), { next: (d) => deltas.push(d) });
      const whole = accumulateAll(deltas);
      const { deltaCount: _a, toolCalls: callsA, ...restA } = streamed;
      const { deltaCount: _b, toolCalls: callsB, ...restB } = whole;
      expect(restB).toEqual(restA);
      expect(callsB.map(({ argsText: _t, ...call }) => call)).toEqual(callsA.map(({ argsText: _t, ...call }) => call));
    });
  }
});
