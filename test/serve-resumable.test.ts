/**
 * `rxllm serve --resumable redis://…` as it is deployed: two `rxllm serve` processes, A and B,
 * share one real redis-server; both send to one loopback OpenAI-compatible server that counts
 * requests and sees aborts. A client cut on A after event k resumes on B: the recording exactly,
 * one provider request, never aborted; cancel through B aborts A's provider request; a producer
 * killed with SIGKILL leaves a `lost` end that B reports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { loadCase, streamReply } from './support/fixtures.ts';
import { chunkText as textOf, readThenCut as cut, sseEventsOf as events } from './support/sse-events.ts';
import { type RedisServer, skipWithoutRedis, startRedisServer } from './support/redis-server.ts';

const skip = skipWithoutRedis('test/serve-resumable.test.ts');
const c = loadCase('openai-chat/text');
const body = JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true });

/** Starts `rxllm serve` on a free port; resolves with its base URL once it printed its start line. */
async function serve(redisURL: string, upstreamURL: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '-p', 'openai', '-m', 'gpt-test', '--port', '0', '--resumable', redisURL], {
    env: { ...process.env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstreamURL}/v1`, RXLLM_RESUMABLE_SECRET: 'shared' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rxllm serve did not start:\n${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/\S+\/v1)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', () => reject(new Error(`rxllm serve exited:\n${out}`)));
  });
  return { child, base };
}




describe.skipIf(skip)('two rxllm serve processes sharing one redis-server (--resumable)', () => {
  let redis: RedisServer;
  let upstream: ReplayServer;
  let a: { child: ChildProcess; base: string };
  let b: { child: ChildProcess; base: string };
  beforeAll(async () => {
    redis = await startRedisServer();
    upstream = await startReplayServer(undefined, { record: true });
    [a, b] = await Promise.all([serve(redis.url, upstream.url), serve(redis.url, upstream.url)]);
  }, 30_000);
  afterAll(async () => {
    a?.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await upstream?.close();
    await redis?.stop();
  });

  it('cut on A after event k, resumed on B from k: the recording exactly, one provider request, not aborted', async () => {
    for (const k of [2, 11]) {
      upstream.reply(streamReply(c, { delayMs: 10 }));
      const before = upstream.received();
      const { id, seen } = await cut(`${a.base}/chat/completions`, body, k);
      const rest = await fetch(`${b.base}/chat/completions/${id}/stream`, { headers: { 'last-event-id': String(k) } });
      expect(rest.status).toBe(200);
      const tail = events(await rest.text());
      expect(tail[0]!.id).toBe(String(k + 1));
      expect(tail.at(-1)!.data).toBe('[DONE]');
      expect(textOf([...seen, ...tail])).toBe(c.expect.text);
      expect(upstream.received() - before).toBe(1);
    }
  });

  it('cancel through B aborts the provider request on A within 1.5 s', async () => {
    upstream.reply(streamReply(c, { delayMs: 300 }));
    const { id } = await cut(`${a.base}/chat/completions`, body, 2);
    const t0 = performance.now();
    expect((await fetch(`${b.base}/chat/completions/${id}/cancel`, { method: 'POST' })).status).toBe(204);
    await upstream.waitForSocketsClosed(1_500);
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it('random and unknown ids get the same 404; a malformed id 400', async () => {
    const unknown = await fetch(`${b.base}/chat/completions/${'a'.repeat(32)}/stream`);
    const other = await fetch(`${b.base}/chat/completions/${'b'.repeat(32)}/stream`);
    expect([unknown.status, other.status]).toEqual([404, 404]);
    expect(await unknown.text()).toBe(await other.text());
    expect((await fetch(`${b.base}/chat/completions/not-an-id/stream`)).status).toBe(400);
  });
});
