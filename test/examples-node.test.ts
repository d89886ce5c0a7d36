/**
 * The Node event-driven examples (examples/node), run on real recorded streams: the
 * EventEmitter bridge, the SQLite worker (bounded concurrency, retry before the first delta,
 * complete and partial rows), and the gateway in a node:http server and as a fetch handler, each
 * in front of the provider's official SDK talking to a loopback replay of a real recording.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defer, finalize, lastValueFrom, throwError, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { answerPrompts } from '../examples/node/event-emitter.ts';
import { gatewayHandler } from '../examples/node/gateway-fetch.ts';
import { startGateway } from '../examples/node/gateway-http.ts';
import { drainQueue, openStore, type ResponseRow } from '../examples/node/sqlite-worker.ts';
import { findReplay, startReplay } from '../src/cli/replays.ts';
import { adapterNamed } from '../src/gateway/index.ts';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { IdleTimeoutError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { fromSSE } from '../src/sse/fromSSE.ts';
import { replayFixture, type RecordedEvent } from '../src/testing/index.ts';
import { loadCase } from './support/fixtures.ts';

const replayDir = fileURLToPath(new URL('../replay', import.meta.url));
const openaiText = loadCase('openai-chat/text');
const fullText = openaiText.expect.text;
const cutEvents = openaiText.events.slice(0, 6) as RecordedEvent[]; // the connection drops after 6 events

describe('examples/node/event-emitter.ts', () => {
  it('answers prompt events concurrently; a cancel event stops one (its source released); a dropped stream is reported with its partial', async () => {
    const emitter = new EventEmitter();
    let released = 0;
    const ask = (text: string): Observable<Delta> =>
      (text === 'drop' ? replayFixture({ events: cutEvents }, { pace: 2 }) : replayFixture('openai-text', { pace: 2 })).pipe(finalize(() => released++));
    const subscription = answerPrompts(emitter, ask);
    const texts: Record<string, string> = {};
    emitter.on('text', ({ id, text }: { id: string; text: string }) => {
      texts[id] = (texts[id] ?? '') + text;
      if (id === 'b' && texts[id]!.length > 10) emitter.emit('cancel', 'b');
    });
    const outcomes = new Map<string, { event: string; snapshot?: Snapshot; error?: unknown; partial?: Snapshot }>();
    for (const event of ['answer', 'cancelled', 'failed']) emitter.on(event, (e: { id: string }) => outcomes.set(e.id, { event, ...e }));

    emitter.emit('prompt', { id: 'a', text: 'weather?' });
    emitter.emit('prompt', { id: 'b', text: 'weather, but I will cancel' });
    emitter.emit('prompt', { id: 'c', text: 'drop' });
    for (let waited = 0; outcomes.size < 3 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));

    expect(outcomes.get('a')).toMatchObject({ event: 'answer', snapshot: { text: fullText, finishReason: 'stop' } });
    const b = outcomes.get('b')!;
    expect(b.event).toBe('cancelled');
    expect(fullText.startsWith(b.snapshot!.text) && b.snapshot!.text.length < fullText.length).toBe(true);
    expect(texts.b).toBe(b.snapshot!.text); // no text after the cancel
    const c = outcomes.get('c')!;
    expect(c.event).toBe('failed');
    expect(c.error).toBeInstanceOf(StreamTruncatedError);
    expect(c.partial?.text).toBe("I'm unable to provide real");
    expect(released).toBe(3);
    subscription.unsubscribe();
  });
});

describe('examples/node/sqlite-worker.ts', () => {
  it('drains the queue 4 at a time, retries before the first delta, stores complete rows and partial rows with their error (node:sqlite, reopened from disk)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxllm-sqlite-'));
    const path = join(dir, 'answers.db');
    const db = openStore(path);
    let running = 0;
    let peak = 0;
    let flakyCalls = 0;
    const ask = (prompt: string): Observable<Delta> =>
      defer(() => {
        running++;
        peak = Math.max(peak, running);
        if (prompt === 'flaky' && ++flakyCalls === 1) {
          return throwError(() => new ProviderError('openai server answered HTTP 429: slow down.', { provider: 'openai', status: 429, retryable: true }));
        }
        if (prompt === 'drop') return replayFixture({ events: cutEvents }, { pace: 1 });
        // a stall after 4 events: longer than the worker's idle timeout
        if (prompt === 'stall') return replayFixture('openai-text', { pace: (i) => (i === 4 ? 5_000 : 1) });
        return replayFixture('openai-text', { pace: 1 });
      }).pipe(finalize(() => running--));
    const jobs = ['one', 'two', 'drop', 'three', 'flaky', 'stall', 'four'].map((prompt, i) => ({ id: `job-${i + 1}-${prompt}`, prompt }));
    const rows = await lastValueFrom(drainQueue(jobs, ask, db, { concurrency: 4, idle: { first: 1_000, idle: 150 } }).pipe(toArray()));
    db.close();

    expect(rows).toHaveLength(7);
    expect(peak).toBe(4);
    const stored = openStore(path); // reopened: the rows are on disk
    const byPrompt = new Map((stored.prepare('SELECT * FROM responses ORDER BY id').all() as unknown as (ResponseRow & { stored_at: string })[]).map((r) => [r.prompt, r]));
    stored.close();
    await rm(dir, { recursive: true, force: true });

    for (const prompt of ['one', 'two', 'three', 'four']) {
      expect(byPrompt.get(prompt)).toMatchObject({ status: 'complete', text: fullText, finish_reason: 'stop', error: null, attempts: 1 });
    }
    expect(byPrompt.get('flaky')).toMatchObject({ status: 'complete', text: fullText, attempts: 2 });
    expect(byPrompt.get('drop')).toMatchObject({ status: 'partial', text: "I'm unable to provide real", finish_reason: null });
    expect(byPrompt.get('drop')!.error).toMatch(/^StreamTruncatedError: /);
    expect(byPrompt.get('stall')).toMatchObject({ status: 'partial', text: "I'm unable to" }); // events 0-3, then the stall
    expect(byPrompt.get('stall')!.error).toMatch(new RegExp(`^${IdleTimeoutError.name}: `));
  });
});

describe('examples/node gateways, in front of the official SDKs on loopback replays', () => {
  const post = (model: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }) });

  it('gateway-http.ts: Claude (recorded extended thinking) behind the OpenAI API on node:http', async () => {
    const replay = await startReplay(findReplay('anthropic-thinking')!, replayDir, 0);
    const server = startGateway(0, new Anthropic({ apiKey: 'test', baseURL: replay.url, maxRetries: 0 }));
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
      const body = post(adapterNamed('anthropic')!.defaultModel);
      const last = await lastValueFrom(fromSSE((signal) => fetch(url, { ...body, signal })).pipe(accumulate()));
      const expected = loadCase('anthropic/thinking').expect;
      expect({ text: last.text, reasoning: last.reasoning }).toEqual({ text: expected.text, reasoning: expected.reasoning });
    } finally {
      server.close();
      await replay.close();
    }
  });

  it('gateway-fetch.ts: Gemini (recorded thoughts) behind the OpenAI API as a fetch handler', async () => {
    const replay = await startReplay(findReplay('gemini-thought')!, replayDir, 0);
    try {
      const handler = gatewayHandler(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: replay.url } }));
      const response = await handler(new Request('http://gateway.test/v1/chat/completions', post('gemini-2.5-flash')));
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const last = await lastValueFrom(fromSSE(response).pipe(accumulate()));
      expect(last.text).toBe(loadCase('gemini/thought').expect.text);
      expect((await handler(new Request('http://gateway.test/elsewhere'))).status).toBe(404);
    } finally {
      await replay.close();
    }
  });
});

describe('examples/node/ag-ui-server.ts', () => {
  it('the official @ag-ui/client HttpAgent runs against it over loopback HTTP (recorded OpenAI stream behind it)', async () => {
    const { HttpAgent } = await import('@ag-ui/client');
    const { default: OpenAI } = await import('openai');
    const { startAgent } = await import('../examples/node/ag-ui-server.ts');
    const replay = await startReplay(findReplay('openai-text')!, replayDir, 0);
    const server = startAgent(0, new OpenAI({ apiKey: 'test', baseURL: `${replay.url}/v1`, maxRetries: 0 }), 'gpt-4o-2024-08-06');
    await once(server, 'listening');
    try {
      const agent = new HttpAgent({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        threadId: 'thread-1',
        initialMessages: [{ id: 'u1', role: 'user', content: 'What is the weather in Paris?' }],
      });
      const types: string[] = [];
      await agent.runAgent({ runId: 'run-1' }, { onEvent: ({ event }) => void types.push(event.type) });
      expect(types[0]).toBe('RUN_STARTED');
      expect(types.at(-1)).toBe('RUN_FINISHED');
      expect(agent.messages.at(-1)).toMatchObject({ role: 'assistant', content: fullText });
    } finally {
      server.close();
      await replay.close();
    }
  });
});
