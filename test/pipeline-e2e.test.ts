/**
 * The operators composed as the README shows them, on real recorded streams through the official
 * SDKs and the loopback replay server (re-chunked at random byte boundaries).
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { lastValueFrom, share, toArray, zip } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  accumulate,
  bufferTokens,
  fallbackToNonStreaming,
  retryBeforeFirstDelta,
  splitReasoning,
  tapLifecycle,
  timeoutIdle,
  toolCalls,
  type Snapshot,
} from '../src/index.ts';
import { fromBedrock } from '../src/providers/bedrock/index.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';
import { type ReplayServer, startReplayServer } from '../src/replay/server.ts';
import { loadCase } from './support/fixtures.ts';

const servers: ReplayServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('README pipeline on a recorded DeepSeek reasoning stream (openai SDK)', () => {
  const fixture = loadCase('openai-compatible/deepseek-reasoning');

  it.each([1, 7, 42])('gives the recorded text and reasoning, once, with usage (seed %i)', async (seed) => {
    const server = await startReplayServer({ format: fixture.format, parts: fixture.parts, chunking: 'random', seed }, { record: true });
    servers.push(server);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const params = { model: fixture.model, messages: [{ role: 'user' as const, content: 'Hi' }] };
    let completed: Snapshot | undefined;

    const answer$ = fromOpenAI(client, params).pipe(
      fallbackToNonStreaming(() => fromOpenAI(client, params, { stream: false })),
      retryBeforeFirstDelta({ count: 2 }),
      timeoutIdle({ first: 5_000, idle: 2_000 }),
      splitReasoning(),
      bufferTokens({ maxDelay: 50, boundary: 'word' }),
      tapLifecycle({ onComplete: (s) => void (completed = s) }),
    );
    const deltas = await lastValueFrom(answer$.pipe(toArray()));
    const text = deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
    const reasoning = deltas.map((d) => (d.type === 'reasoning' ? d.text : '')).join('');

    expect(text).toBe(fixture.expect.text);
    expect(reasoning).toBe(fixture.expect.reasoning);
    // bufferTokens coalesced the ~200 one-token fragments
    expect(deltas.filter((d) => d.type === 'reasoning').length).toBeLessThan(190);
    expect(completed?.text).toBe(fixture.expect.text);
    expect(completed?.usage?.outputTokens).toBeGreaterThan(0);
    expect(completed?.finishReason).toBe('stop');
    expect(server.requests).toHaveLength(1);
    await server.waitForSocketsClosed(1_000);
  });
});

describe('splitReasoning + toolCalls on Bedrock text with <thinking> tags (Bedrock SDK, HTTP/2)', () => {
  const fixture = loadCase('bedrock/tool-use');
  const whole = fixture.expect.text;
  const thinking = whole.slice(whole.indexOf('<thinking>') + '<thinking>'.length, whole.indexOf('</thinking>'));
  const after = whole.slice(whole.indexOf('</thinking>') + '</thinking>'.length);

  it('moves the tagged thinking into reasoning, keeps the rest as text, and yields the completed call', async () => {
    const server = await startReplayServer({ format: 'bedrock', parts: fixture.parts, chunking: 'random', seed: 3 }, { http2: true, record: true });
    servers.push(server);
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: server.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    });
    const deltas$ = fromBedrock(client, { modelId: fixture.model, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }).pipe(
      splitReasoning({ open: '<thinking>', close: '</thinking>' }),
      bufferTokens({ size: 4 }),
      share(),
    );
    const [snapshots, calls] = await lastValueFrom(zip(deltas$.pipe(accumulate(), toArray()), deltas$.pipe(toolCalls(), toArray())));
    const final = snapshots.at(-1)!;

    expect(final.reasoning).toBe(thinking);
    expect(final.text).toBe(after);
    expect(final.finishReason).toBe('tool-calls');
    const expected = fixture.expect.toolCalls[0]!;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: expected.id, name: expected.name, args: JSON.parse(expected.arguments) });
    expect(server.requests).toHaveLength(1);
  });
});
