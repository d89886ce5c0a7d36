/**
 * The Gemini mapper, chunk by chunk, on every recorded stream in test/fixtures/gemini
 * (byte-exact CRLF `.sse` bodies where recorded).
 */
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { GeminiChunkMapper, geminiUsage, mapGeminiFinishReason } from '../src/providers/google/decode-stream.ts';
import type { GeminiResponseWire } from '../src/providers/google/wire.ts';
import { isRetryableGeminiStatus, mapGoogleError } from '../src/providers/google/errors.ts';
import { geminiResponseFromEvents } from './support/gemini-nonstream.ts';
import { listCases, type FixtureCase } from './support/fixtures.ts';

/** The case's chunks: parsed from the byte-exact body when recorded, else the `.jsonl` lines. */
function chunks(c: FixtureCase): unknown[] {
  if (!c.parts) return c.events.map((e: any) => e.data);
  const out: unknown[] = [];
  const parser = createParser({ onEvent: (e) => out.push(JSON.parse(e.data)) });
  const decoder = new TextDecoder();
  for (const part of c.parts) parser.feed(decoder.decode(part, { stream: true }));
  return out;
}

function mapAll(input: readonly unknown[]): { deltas: Delta[]; done: boolean } {
  const deltas: Delta[] = [];
  const mapper = new GeminiChunkMapper({ next: (d) => deltas.push(d) });
  for (const chunk of input) mapper.map(chunk as GeminiResponseWire);
  return { deltas, done: mapper.done };
}

function accumulateAll(deltas: readonly Delta[]) {
  const b = new SnapshotBuilder();
  for (const d of deltas) b.apply(d);
  return b.snapshot();
}

const cases = listCases('gemini');

describe('GeminiChunkMapper on recorded streams', () => {
  it('has every gemini fixture', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'gemini/function-call',
      'gemini/function-call-thought-signature',
      'gemini/text',
      'gemini/text-usage-mid-stream',
      'gemini/thought',
      'gemini/thought-text',
    ]);
  });

  for (const c of cases) {
    it(`${c.id}: reconstructs index.json's expect`, () => {
      const input = chunks(c);
      expect(input).toHaveLength(c.events.length);
      const { deltas, done } = mapAll(input);
      const s = accumulateAll(deltas);
      const x = c.expect;
      expect(done).toBe(true);
      expect(s.text).toBe(x.text);
      expect(s.reasoning).toBe(x.reasoning);
      expect(s.toolCalls.map((t) => ({ name: t.name, arguments: t.argsText }))).toEqual(x.toolCalls);
      for (const call of s.toolCalls) expect(call.args).toEqual(JSON.parse(call.argsText));
      expect(s.finishRaw).toBe(x.finishReason);
      expect(x.error).toBeNull();
      const last = input.at(-1) as any;
      expect(deltas[0]).toEqual({ type: 'metadata', provider: 'google', id: last.responseId, model: last.modelVersion });
      expect(deltas.at(-1)!.type).toBe('finish');
      const signatures = input.flatMap((chunk: any) => chunk.candidates[0].content.parts.filter((p: any) => p.thoughtSignature));
      expect(deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined)).toHaveLength(signatures.length);
      for (const d of deltas) {
        if (d.type === 'text') expect(d.text).not.toBe('');
        if (d.type === 'reasoning' && d.text === '') expect(d.signature).toBeTypeOf('string');
      }
    });
  }

  it('a STOP after function calls finishes as tool-calls, with ids from the response id', () => {
    const { deltas } = mapAll(chunks(cases.find((c) => c.id === 'gemini/function-call-thought-signature')!));
    // both chunks carry the same usageMetadata: the repeat is skipped
    expect(deltas.map((d) => d.type)).toEqual(['metadata', 'reasoning', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'usage', 'finish']);
    expect(deltas[5]).toEqual({ type: 'usage', inputTokens: 29, outputTokens: 212, reasoningTokens: 202 });
    expect(deltas[2]).toEqual({ type: 'tool-call-start', index: 0, id: 'QUVVadTSNJ6_qtsPvN7J8Q0-call-0', name: 'get_country' });
    expect(deltas[3]).toEqual({ type: 'tool-call-delta', index: 0, argsText: '{}' });
    expect(deltas.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', raw: 'STOP' });
    expect(accumulateAll(deltas).reasoningSignature).toMatch(/^EpwICpkIAXLI2nxl/);
  });

  it('maps usage with thoughts counted as output, skipping repeats', () => {
    const { deltas } = mapAll(chunks(cases.find((c) => c.id === 'gemini/text-usage-mid-stream')!));
    expect(deltas.filter((d) => d.type === 'usage')).toEqual([
      { type: 'usage', inputTokens: 18, outputTokens: 66, reasoningTokens: 35 },
      { type: 'usage', inputTokens: 18, outputTokens: 114, reasoningTokens: 35 },
      { type: 'usage', inputTokens: 18, outputTokens: 115, reasoningTokens: 35 },
    ]);
    const text = mapAll(chunks(cases.find((c) => c.id === 'gemini/text')!)).deltas.filter((d) => d.type === 'usage');
    expect(text).toEqual([
      { type: 'usage', inputTokens: 15 },
      { type: 'usage', inputTokens: 13, outputTokens: 8 },
    ]);
  });

  it('sends a thought part’s signature alone, right after its text (the one rule for signatures)', () => {
    const deltas: Delta[] = [];
    new GeminiChunkMapper({ next: (d) => deltas.push(d) }).map({
      responseId: 'r',
      candidates: [{ content: { parts: [{ text: 'hmm', thought: true, thoughtSignature: 'sig' }, { text: '', thought: true }, { text: 'A', thoughtSignature: 'sig2' }] } }],
    });
    expect(deltas.slice(1)).toEqual([
      { type: 'reasoning', text: 'hmm' },
      { type: 'reasoning', text: '', signature: 'sig' },
      { type: 'reasoning', text: '', signature: 'sig2' },
      { type: 'text', text: 'A' },
    ]);
  });

  it('uses the API’s function call id when present', () => {
    const deltas: Delta[] = [];
    new GeminiChunkMapper({ next: (d) => deltas.push(d) }).map({
      candidates: [{ content: { parts: [{ functionCall: { id: 'fc_1', name: 'f', args: { a: [1] } } }, { functionCall: { name: 'g' } }] }, finishReason: 'STOP' }],
    });
    expect(deltas.filter((d) => d.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'fc_1', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'gemini-call-1', name: 'g' },
    ]);
    expect(deltas.filter((d) => d.type === 'tool-call-delta').map((d) => d.argsText)).toEqual(['{"a":[1]}', '{}']);
  });

  it('is pure: a call without id and a response without responseId get a derived id, or the injected one', () => {
    const chunk = { candidates: [{ content: { parts: [{ functionCall: { name: 'g' } }] }, finishReason: 'STOP' }] };
    const ids = (options?: { callId: (index: number, responseId: string | undefined) => string }) => {
      const deltas: Delta[] = [];
      new GeminiChunkMapper({ next: (d) => deltas.push(d) }, options).map(chunk);
      return deltas.flatMap((d) => (d.type === 'tool-call-start' ? [d.id] : []));
    };
    expect(ids()).toEqual(['gemini-call-0']);
    expect(ids()).toEqual(ids());
    expect(ids({ callId: (index, responseId) => `mine-${responseId}-${index}` })).toEqual(['mine-undefined-0']);
  });

  it('assembles a Vertex AI function call streamed in pieces (partialArgs, willContinue) into one tool call', () => {
    const part = (functionCall: object) => ({ candidates: [{ content: { role: 'model', parts: [{ functionCall }] } }] });
    const { deltas, done } = mapAll([
      { ...part({ name: 'get_weather', willContinue: true }), responseId: 'r1' },
      part({ partialArgs: [{ jsonPath: '$.location', stringValue: 'San ', willContinue: true }], willContinue: true }),
      part({ partialArgs: [{ jsonPath: '$.location', stringValue: 'Francisco' }, { jsonPath: '$.days', numberValue: 3 }], willContinue: true }),
      part({ partialArgs: [{ jsonPath: '$.opts.units[0]', stringValue: 'C' }, { jsonPath: '$.opts.alerts', boolValue: true }], willContinue: true }),
      part({}),
      { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'whole', args: { a: 1 } } }] }, finishReason: 'STOP' }] },
    ]);
    expect(done).toBe(true);
    const s = accumulateAll(deltas);
    expect(s.toolCalls.map((c) => [c.index, c.id, c.name, c.args])).toEqual([
      [0, 'r1-call-0', 'get_weather', { location: 'San Francisco', days: 3, opts: { units: ['C'], alerts: true } }],
      [1, 'r1-call-1', 'whole', { a: 1 }],
    ]);
    expect(deltas.filter((d) => d.type === 'tool-call-start')).toHaveLength(2);
    expect(s.finishReason).toBe('tool-calls');
  });

  it('finishes a blocked prompt as content-filter', () => {
    const { deltas, done } = mapAll([{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 7 } }]);
    expect(done).toBe(true);
    expect(deltas.at(-1)).toEqual({ type: 'finish', reason: 'content-filter', raw: 'PROHIBITED_CONTENT' });
  });

  it('throws a typed error for an error chunk', () => {
    expect(() => mapAll([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }])).toThrow(ProviderError);
    try {
      mapAll([{ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } }]);
    } catch (err) {
      expect(err).toMatchObject({ provider: 'google', status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true });
    }
  });
});

describe('Gemini mapping rules', () => {
  it('maps every finish reason, keeping unknown ones as other', () => {
    const raws = ['STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'MALFORMED_FUNCTION_CALL', 'OTHER', 'LANGUAGE', 'NEW_ONE'];
    expect(raws.map((r) => mapGeminiFinishReason(r, false))).toEqual([
      'stop',
      'length',
      'content-filter',
      'content-filter',
      'content-filter',
      'content-filter',
      'content-filter',
      'content-filter',
      'error',
      'other',
      'other',
      'other',
    ]);
    expect(mapGeminiFinishReason('STOP', true)).toBe('tool-calls');
    expect(mapGeminiFinishReason('MAX_TOKENS', true)).toBe('length');
  });

  it('adds tool-use prompt tokens to input and keeps cached content as cached input', () => {
    expect(geminiUsage({ promptTokenCount: 100, toolUsePromptTokenCount: 20, cachedContentTokenCount: 64, candidatesTokenCount: 5 })).toEqual({
      type: 'usage',
      inputTokens: 120,
      cachedInputTokens: 64,
      outputTokens: 5,
    });
    expect(geminiUsage({})).toBeUndefined();
  });

  it('maps SDK errors by kind and phase', () => {
    const http = Object.assign(new Error('{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}'), { name: 'ApiError', status: 429 });
    expect(mapGoogleError(http, 'request')).toMatchObject({ status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true });
    const chunk = Object.assign(new Error('got status: UNAVAILABLE. {"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}'), { name: 'ApiError', status: 503 });
    expect(mapGoogleError(chunk, 'response')).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryable: true });
    const plain = Object.assign(new Error('{"error":{"message":"nope","code":400,"status":"Bad Request"}}'), { name: 'ApiError', status: 400 });
    expect(mapGoogleError(plain, 'request')).toMatchObject({ status: 400, code: undefined, retryable: false });
    const dropped = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(mapGoogleError(dropped, 'response')).toBeInstanceOf(StreamTruncatedError);
    expect(mapGoogleError(new TypeError('fetch failed'), 'request')).toMatchObject({ retryable: true, status: undefined });
    expect(mapGoogleError(new SyntaxError('Unexpected end of JSON input'), 'response')).toBeInstanceOf(MalformedChunkError);
    expect(mapGoogleError(new Error('Incomplete JSON segment at the end'), 'response')).toBeInstanceOf(StreamTruncatedError);
    expect(mapGoogleError(new Error('something else'), 'response')).toMatchObject({ retryable: false });
    expect([400, 401, 404, 408, 429, 500, 503].map(isRetryableGeminiStatus)).toEqual([false, false, false, true, true, true, true]);
  });

  for (const c of cases) {
    it(`${c.id}: the non-streaming response maps to the streamed snapshot`, () => {
      const streamed = accumulateAll(mapAll(chunks(c)).deltas);
      const whole = accumulateAll(mapAll([geminiResponseFromEvents(c.events)]).deltas);
      const { deltaCount: _a, ...restA } = streamed;
      const { deltaCount: _b, ...restB } = whole;
      expect(restB).toEqual(restA);
    });
  }
});
