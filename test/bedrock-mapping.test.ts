import { StopReason, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { ConverseStreamMapper, mapConverseOutput, mapBedrockStopReason, mapUsage, metadataDelta } from '../src/providers/bedrock/decode-stream.ts';
import { converseResponseOf } from './support/bedrock-nonstream.ts';
import { listCases } from './support/fixtures.ts';

const cases = listCases('bedrock');

/** Maps recorded events line by line; returns the deltas and whether messageStop was seen. */
function mapEvents(events: readonly unknown[], model?: string): { deltas: Delta[]; done: boolean } {
  const deltas: Delta[] = [];
  const mapper = new ConverseStreamMapper({ next: (d) => deltas.push(d) }, metadataDelta(model, undefined));
  for (const event of events) mapper.onEvent(event as ConverseStreamOutput);
  return { deltas, done: mapper.done };
}

function snapshotOf(deltas: readonly Delta[]): Snapshot {
  const builder = new SnapshotBuilder();
  for (const d of deltas) builder.apply(d);
  return builder.snapshot();
}

describe('ConverseStreamMapper on recorded streams', () => {
  it('covers every bedrock fixture', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'bedrock/gpt-oss-empty-text-reasoning',
      'bedrock/reasoning',
      'bedrock/text',
      'bedrock/text-claude',
      'bedrock/tool-use',
    ]);
  });

  for (const c of cases) {
    it(`${c.id}: reconstructs index.json's expect`, () => {
      const { deltas, done } = mapEvents(c.events, c.model);
      const s = snapshotOf(deltas);
      expect(done).toBe(true);
      expect(s.text).toBe(c.expect.text);
      expect(s.reasoning).toBe(c.expect.reasoning);
      expect(s.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.argsText }))).toEqual(c.expect.toolCalls);
      expect(s.toolCalls.every((t) => t.complete && t.argsError === undefined)).toBe(true);
      expect(s.finishRaw).toBe(c.expect.finishReason);
      expect(deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined)).toHaveLength(c.expect.signatures ?? 0);
      expect(s.redactedReasoning?.length ?? 0).toBe(c.expect.redactedReasoning ?? 0);
      expect(deltas[0]).toEqual({ type: 'metadata', provider: 'bedrock', model: c.model });
    });

    it(`${c.id}: emits no empty fragment, and finish before the final usage`, () => {
      const { deltas } = mapEvents(c.events, c.model);
      for (const d of deltas) {
        if (d.type === 'text') expect(d.text).not.toBe('');
        // the one empty fragment: a signature alone (the rule of every source, see ReasoningDelta)
        if (d.type === 'reasoning') expect(d.signature === undefined).toBe(d.text !== '');
        if (d.type === 'tool-call-delta') expect(d.argsText).not.toBe('');
      }
      expect(deltas.filter((d) => d.type === 'finish')).toHaveLength(1);
      expect(deltas.at(-2)?.type).toBe('finish');
      expect(deltas.at(-1)?.type).toBe('usage');
    });

    it(`${c.id}: the Converse (non-streaming) response maps to the same snapshot`, () => {
      const streamed = snapshotOf(mapEvents(c.events, c.model).deltas);
      const deltas: Delta[] = [];
      mapConverseOutput(converseResponseOf(c.events) as never, { next: (d) => deltas.push(d) }, metadataDelta(c.model, undefined));
      const whole = snapshotOf(deltas);
      expect({ ...whole, deltaCount: 0 }).toEqual({ ...streamed, deltaCount: 0 });
    });
  }

  it('bedrock/reasoning: every fragment at once, then the signature alone with empty text, in order', () => {
    const { events } = cases.find((c) => c.id === 'bedrock/reasoning')!;
    const deltas: Delta[] = [];
    const mapper = new ConverseStreamMapper({ next: (d) => deltas.push(d) }, metadataDelta(undefined, undefined));
    // nothing is held back: each reasoning event gives its delta before the next event is read
    for (const event of events as Record<string, any>[]) {
      const before = deltas.length;
      mapper.onEvent(event as ConverseStreamOutput);
      const text = event.contentBlockDelta?.delta?.reasoningContent?.text;
      if (text) expect(deltas.slice(before)).toEqual([{ type: 'reasoning', text }]);
    }
    const reasoning = deltas.filter((d) => d.type === 'reasoning');
    expect(reasoning.at(-2)).toEqual({ type: 'reasoning', text: ' them today.' });
    expect(reasoning.at(-1)).toEqual({ type: 'reasoning', text: '', signature: expect.stringMatching(/^Eu0CCkgIBxAB/) });
    expect(reasoning.slice(0, -1).every((d) => d.signature === undefined)).toBe(true);
    expect(deltas.findIndex((d) => d.type === 'text')).toBe(deltas.lastIndexOf(reasoning.at(-1)!) + 1);
  });

  it('bedrock/usage: maps the recorded counts', () => {
    const { deltas } = mapEvents(cases.find((c) => c.id === 'bedrock/tool-use')!.events);
    expect(deltas.at(-1)).toEqual({ type: 'usage', inputTokens: 471, outputTokens: 91 });
  });
});

describe('ConverseStreamMapper on composed events', () => {
  const start = { messageStart: { role: 'assistant' } };
  const stop = (stopReason: string) => ({ messageStop: { stopReason } });

  it('numbers tool calls by their position among tool calls, not by content block', () => {
    const { deltas } = mapEvents([
      start,
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Checking.' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'a', name: 'f' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"x":' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '1}' } } } },
      { contentBlockStop: { contentBlockIndex: 1 } },
      { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'b', name: 'g' } } } },
      { contentBlockStop: { contentBlockIndex: 2 } },
      stop('tool_use'),
    ]);
    expect(deltas.slice(2)).toEqual([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argsText: '{"x":' },
      { type: 'tool-call-delta', index: 0, argsText: '1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'g' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool-calls', raw: 'tool_use' },
    ]);
    expect(snapshotOf(deltas).toolCalls.map((t) => t.args)).toEqual([{ x: 1 }, {}]);
  });

  it('messageStop ends a tool call cut off before its contentBlockStop (max_tokens)', () => {
    const { deltas } = mapEvents([
      start,
      { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'a', name: 'f' } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":"Par' } } } },
      stop('max_tokens'),
    ]);
    expect(deltas.slice(-2)).toEqual([
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'length', raw: 'max_tokens' },
    ]);
    const [call] = snapshotOf(deltas).toolCalls;
    expect(call).toMatchObject({ complete: true, argsText: '{"city":"Par' });
    expect('args' in call!).toBe(false);
    expect(call!.argsError).toEqual(expect.any(String));
  });

  it('a signature with no fragment before it comes alone, with empty text', () => {
    const { deltas } = mapEvents([start, { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } } } }, stop('end_turn')]);
    expect(deltas[1]).toEqual({ type: 'reasoning', text: '', signature: 'sig' });
  });

  it('redacted reasoning arrives as base64 (from the SDK bytes or the JSON wire form)', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const { deltas } = mapEvents([
      start,
      { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'hm' } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: bytes } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: 'AAEC+v8=' } } } },
      stop('end_turn'),
    ]);
    expect(deltas.slice(1, 4)).toEqual([
      { type: 'reasoning', text: 'hm' },
      { type: 'reasoning', text: 'AAEC+v8=', redacted: true },
      { type: 'reasoning', text: 'AAEC+v8=', redacted: true },
    ]);
    expect(snapshotOf(deltas).redactedReasoning).toEqual(['AAEC+v8=', 'AAEC+v8=']);
  });

  it('holds nothing back: a reasoning fragment is emitted as its event arrives', () => {
    const deltas: Delta[] = [];
    const mapper = new ConverseStreamMapper({ next: (d) => deltas.push(d) }, metadataDelta('m', undefined));
    mapper.onEvent({ contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'a' } } } } as ConverseStreamOutput);
    expect(deltas).toEqual([{ type: 'reasoning', text: 'a' }]);
    mapper.onEvent({ contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'b' } } } } as ConverseStreamOutput);
    mapper.onEvent({ contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 's' } } } } as ConverseStreamOutput);
    expect(deltas).toEqual([
      { type: 'reasoning', text: 'a' },
      { type: 'reasoning', text: 'b' },
      { type: 'reasoning', text: '', signature: 's' },
    ]);
    expect(mapper.done).toBe(false);
  });

  it.each([
    ['throttlingException', 'ThrottlingException', true],
    ['internalServerException', 'InternalServerException', true],
    ['serviceUnavailableException', 'ServiceUnavailableException', true],
    ['modelStreamErrorException', 'ModelStreamErrorException', true],
    ['validationException', 'ValidationException', false],
  ])('an exception member %s throws ProviderError %s (retryable %s), the reasoning before it already emitted', (member, code, retryable) => {
    const deltas: Delta[] = [];
    const mapper = new ConverseStreamMapper({ next: (d) => deltas.push(d) }, metadataDelta('m', undefined));
    mapper.onEvent({ contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'so far' } } } } as ConverseStreamOutput);
    let thrown: unknown;
    try {
      mapper.onEvent({ [member]: { message: 'boom' } } as unknown as ConverseStreamOutput);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect(thrown).toMatchObject({ provider: 'bedrock', code, retryable });
    expect((thrown as Error).message).toContain('boom');
    expect(deltas).toEqual([{ type: 'reasoning', text: 'so far' }]);
  });

  it('ignores unknown members and delta kinds it does not map', () => {
    const { deltas } = mapEvents([
      start,
      { $unknown: ['newEvent', {}] },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { citation: { title: 't' } } } },
      stop('end_turn'),
    ]);
    expect(deltas.map((d) => d.type)).toEqual(['metadata', 'finish']);
  });
});

describe('mapBedrockStopReason', () => {
  const expected: Record<string, string> = {
    end_turn: 'stop',
    stop_sequence: 'stop',
    max_tokens: 'length',
    model_context_window_exceeded: 'length',
    tool_use: 'tool-calls',
    guardrail_intervened: 'content-filter',
    content_filtered: 'content-filter',
    malformed_model_output: 'other',
    malformed_tool_use: 'other',
  };
  it('maps every StopReason of the SDK', () => {
    for (const raw of Object.values(StopReason)) expect([raw, mapBedrockStopReason(raw)]).toEqual([raw, expected[raw]]);
  });
  it('maps unknown and missing values to other, keeping raw in the finish delta', () => {
    expect(mapBedrockStopReason('brand_new_reason')).toBe('other');
    expect(mapBedrockStopReason(undefined)).toBe('other');
    expect(mapEvents([{ messageStop: { stopReason: 'brand_new_reason' } }]).deltas).toEqual([{ type: 'finish', reason: 'other', raw: 'brand_new_reason' }]);
  });
});

describe('mapUsage', () => {
  it('counts cached prompt tokens into inputTokens, as rxllm defines it', () => {
    expect(mapUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 1015, cacheReadInputTokens: 800, cacheWriteInputTokens: 200 })).toEqual({
      type: 'usage',
      inputTokens: 1010,
      outputTokens: 5,
      cachedInputTokens: 800,
    });
    expect(mapUsage({ inputTokens: 3, outputTokens: undefined, totalTokens: undefined })).toEqual({ type: 'usage', inputTokens: 3 });
  });
});
