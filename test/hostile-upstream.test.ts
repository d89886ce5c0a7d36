/**
 * A hostile or broken upstream (issue 10): bounded wire indexes, `data: null`, a page that is
 * not an event stream served with status 200, and snapshots that stay immutable and correct
 * while the builder shares and lazily builds their arrays (accumulate's linear cost; its
 * scaling is measured by bench/accumulate-scaling.ts).
 */
import OpenAI from 'openai';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot, ToolCallSnapshot } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError } from '../src/core/errors.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { AnthropicEventMapper } from '../src/providers/anthropic/decode-stream.ts';
import { ChatStreamMapper } from '../src/providers/openai/decode-stream.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';
import { ResponsesStreamMapper } from '../src/providers/openai-responses/decode-stream.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { fromSSE } from '../src/sse/index.ts';
import { loadCase } from './support/fixtures.ts';
import { sse } from './support/openai-events.ts';
import { run } from './support/runs.ts';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(() => server.close());

const text = loadCase('openai-chat/text');
const post = () => fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });

describe('data: null and other JSON that is not an event', () => {
  it.each([['null'], ['42'], ['"text"'], ['[1]']])('data: %s → MalformedChunkError in every SSE decoder', (data) => {
    const none = { next: () => {} };
    for (const mapper of [new ChatStreamMapper(none), new AnthropicEventMapper(none), new ResponsesStreamMapper(none)]) {
      let error: unknown;
      try {
        mapper.onEvent(sse(data));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(MalformedChunkError);
      expect((error as MalformedChunkError).line).toBe(data);
    }
  });

  it('fromSSE: data: null mid-stream → MalformedChunkError with the partial, not a network ProviderError', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'malformed', afterEvents: 3, text: 'null' } });
    const { error } = await run(fromSSE(await post()));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toBe('null');
    expect((error as MalformedChunkError).partial?.deltaCount).toBeGreaterThan(0);
  });
});

describe('a page that is not an event stream, served with status 200', () => {
  const html = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>';

  it('fromSSE: an HTML page → ProviderError unexpected_content_type naming the content-type and the first bytes', async () => {
    const { error, deltas } = await run(fromSSE(new Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } })));
    expect(deltas).toStrictEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'unexpected_content_type', status: 200, retryable: false, cause: html });
    expect((error as ProviderError).message).toContain('text/html; charset=utf-8');
    expect((error as ProviderError).message).toContain('<!DOCTYPE html>');
  });

  it('fromSSE: JSON that is not a completion → the same error; a JSON error body → ProviderError from it', async () => {
    const page = '{"status":"ok","service":"proxy"}';
    const r1 = await run(fromSSE(new Response(page, { headers: { 'content-type': 'application/json' } })));
    expect(r1.error).toMatchObject({ code: 'unexpected_content_type', status: 200, cause: page });
    expect((r1.error as ProviderError).message).toContain('application/json');
    const r2 = await run(fromSSE(new Response('{"error":{"message":"quota","code":"insufficient_quota"}}', { headers: { 'content-type': 'application/json' } })));
    expect(r2.error).toBeInstanceOf(ProviderError);
    expect(r2.error).toMatchObject({ code: 'insufficient_quota', status: 200 });
  });

  it('fromSSE: a byte stream that starts with < or { (no headers to read) → unexpected_content_type', async () => {
    const body = new Response('\n  {"not":"sse"}').body!;
    const { error } = await run(fromSSE(body));
    expect(error).toMatchObject({ code: 'unexpected_content_type', cause: '\n  {"not":"sse"}' });
  });

  it('fromOpenAI: JSON that is not a completion → MalformedChunkError showing it, not a truncation', async () => {
    server.reply({ kind: 'json', status: 200, body: { status: 'ok' } });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const { error } = await run(fromOpenAI(client, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toBe('{"status":"ok"}');
  });
});

describe('SnapshotBuilder: shared, lazily built arrays, immutable snapshots', () => {
  /** The snapshot rebuilt from scratch, the obvious way, for comparison. */
  function naive(deltas: readonly Delta[]): { toolCalls: ToolCallSnapshot[]; redactedReasoning?: string[] } {
    const calls: ToolCallSnapshot[] = [];
    const open = new Map<number, number>();
    const redacted: string[] = [];
    for (const d of deltas) {
      if (d.type === 'reasoning' && d.redacted) redacted.push(d.text);
      if (d.type === 'tool-call-start') {
        open.set(d.index, calls.length);
        calls.push({ index: d.index, id: d.id, name: d.name, argsText: '', complete: false });
      }
      if (d.type === 'tool-call-delta' || d.type === 'tool-call-end') {
        let at = open.get(d.index);
        if (at === undefined) {
          open.set(d.index, (at = calls.length));
          calls.push({ index: d.index, id: '', name: '', argsText: '', complete: false });
        }
        const c = calls[at]!;
        if (d.type === 'tool-call-delta') calls[at] = { ...c, argsText: c.argsText + d.argsText };
        else {
          open.delete(d.index);
          try {
            calls[at] = { ...c, complete: true, args: JSON.parse(c.argsText.trim() === '' ? '{}' : c.argsText) };
          } catch (err) {
            calls[at] = { ...c, complete: true, argsError: (err as Error).message };
          }
        }
      }
    }
    return redacted.length === 0 ? { toolCalls: calls } : { toolCalls: calls, redactedReasoning: redacted };
  }

  const deltaArb: fc.Arbitrary<Delta> = fc.oneof(
    fc.record({ type: fc.constant('tool-call-start' as const), index: fc.integer({ min: 0, max: 3 }), id: fc.string({ maxLength: 3 }), name: fc.constantFrom('f', 'g') }),
    fc.record({ type: fc.constant('tool-call-delta' as const), index: fc.integer({ min: 0, max: 3 }), argsText: fc.constantFrom('{', '"a"', ':1', '}', ' ') }),
    fc.record({ type: fc.constant('tool-call-end' as const), index: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ type: fc.constant('reasoning' as const), text: fc.string({ minLength: 1, maxLength: 3 }), redacted: fc.constant(true) }),
    fc.record({ type: fc.constant('text' as const), text: fc.string({ minLength: 1, maxLength: 3 }) }),
  );

  it('every snapshot, read at once, late, or never, shows the response as it was at its delta', () => {
    fc.assert(
      fc.property(fc.array(deltaArb, { maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (deltas, readNow) => {
        const b = new SnapshotBuilder();
        const snaps: Snapshot[] = [];
        deltas.forEach((d, i) => {
          b.apply(d);
          const s = b.snapshot();
          if (readNow[i]) void [s.toolCalls, s.redactedReasoning]; // read some at once, the rest only at the end
          snaps.push(s);
        });
        snaps.forEach((s, i) => {
          const expected = naive(deltas.slice(0, i + 1));
          expect(s.toolCalls).toStrictEqual(expected.toolCalls);
          expect(s.redactedReasoning).toStrictEqual(expected.redactedReasoning);
          expect(Object.isFrozen(s.toolCalls)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a reset empties the builder; a snapshot taken before it, read after it, keeps what it had', () => {
    const b = new SnapshotBuilder();
    b.apply({ type: 'tool-call-start', index: 0, id: 'a', name: 'f' });
    b.apply({ type: 'reasoning', text: 'x1', redacted: true });
    const before = b.snapshot();
    b.apply({ type: 'reset', reason: 'retry' });
    expect(b.partial()).toBeUndefined();
    b.apply({ type: 'tool-call-start', index: 0, id: 'b', name: 'g' });
    expect(before.toolCalls).toStrictEqual([{ index: 0, id: 'a', name: 'f', argsText: '', complete: false }]);
    expect(before.redactedReasoning).toStrictEqual(['x1']);
    expect(b.snapshot()).toStrictEqual({ text: '', reasoning: '', toolCalls: [{ index: 0, id: 'b', name: 'g', argsText: '', complete: false }], deltaCount: 1 });
  });

  it('a snapshot keeps its arrays after later deltas; unchanged arrays are shared, not copied per snapshot', () => {
    const b = new SnapshotBuilder();
    b.apply({ type: 'tool-call-start', index: 0, id: 'a', name: 'f' });
    b.apply({ type: 'reasoning', text: 'x1', redacted: true });
    const s1 = b.snapshot();
    b.apply({ type: 'tool-call-delta', index: 0, argsText: '{"q":1}' });
    b.apply({ type: 'reasoning', text: 'x2', redacted: true });
    const s2 = b.snapshot();
    const [calls2, redacted2] = [s2.toolCalls, s2.redactedReasoning]; // read at once: later unchanged snapshots share them
    b.apply({ type: 'text', text: 'hi' });
    const s3 = b.snapshot();
    b.apply({ type: 'tool-call-end', index: 0 });
    expect(s1.toolCalls).toStrictEqual([{ index: 0, id: 'a', name: 'f', argsText: '', complete: false }]);
    expect(s1.redactedReasoning).toStrictEqual(['x1']);
    expect(s2.toolCalls[0]!.argsText).toBe('{"q":1}');
    expect(s3.toolCalls).toBe(calls2);
    expect(s3.redactedReasoning).toBe(redacted2);
    expect(b.snapshot().toolCalls[0]).toMatchObject({ complete: true, args: { q: 1 } });
    expect(JSON.parse(JSON.stringify(s2))).toStrictEqual({ ...s2, toolCalls: [...s2.toolCalls], redactedReasoning: ['x1', 'x2'] });
  });
});
