/**
 * Clients that leave mid-stream, against `rxllm serve` over each provider: per provider, 1,000
 * streaming requests (50 at a time) whose client destroys its socket at a random point (before the
 * response, after the headers, or after a random number of body bytes, always before the
 * upstream could have finished). Afterwards: open sockets (serve's and the upstream replay
 * server's, and this process's socket file descriptors) must be back to where they were, and
 * the upstream stream must have been aborted once per client.
 *
 * In-process, 127.0.0.1 only, stops by itself (about 10-20 s).
 *   node bench/serve-disconnects.ts [--clients 1000] [--concurrency 50]
 * Exits 1 when a check fails.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { startServe } from '../src/cli/serve/server.ts';
import { startReplayServer } from '../src/replay/server.ts';
import type { WireEvent, WireFormat } from '../src/replay/wire.ts';
import { loadCase } from '../test/support/fixtures.ts';
import { seededRandom } from '../test/support/seeded-random.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' }, seed: { type: 'string', default: '7' } } });
const CLIENTS = Number(values.clients);
const CONCURRENCY = Number(values.concurrency);

/** A seeded PRNG (mulberry32), so a run can be repeated. */
const random = seededRandom(Number(values.seed));

/** Socket file descriptors of this process. */
function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

const providers: readonly { provider: string; model: string; format: WireFormat; fixture: string }[] = [
  { provider: 'openai', model: 'gpt-4o', format: 'openai-chat', fixture: 'openai-chat/text' },
  { provider: 'anthropic', model: 'claude-x', format: 'anthropic', fixture: 'anthropic/thinking' },
  { provider: 'google', model: 'gemini-x', format: 'gemini', fixture: 'gemini/thought' },
  { provider: 'bedrock', model: 'us.amazon.nova-micro-v1:0', format: 'bedrock', fixture: 'bedrock/tool-use' },
];

/** One client: sends a streaming request and destroys its socket at `point`. */
function leave(baseURL: string, model: string, point: { readonly kind: 'before-headers' | 'after-headers' | 'mid-body'; readonly bytes: number; readonly delayMs: number }): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(`${baseURL}/chat/completions`);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, agent: false });
    const done = (how: string) => {
      req.destroy();
      resolve(how);
    };
    req.on('error', () => resolve('error'));
    if (point.kind === 'before-headers') setTimeout(() => done('before-headers'), point.delayMs);
    req.on('response', (res) => {
      if (point.kind === 'before-headers') return;
      if (res.statusCode !== 200) return done(`status ${res.statusCode}`);
      if (point.kind === 'after-headers') return done('after-headers');
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= point.bytes) done('mid-body');
      });
      res.on('end', () => resolve('ended (the upstream was faster than the client)'));
    });
    req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }], stream: true }));
  });
}

let failed = false;
/** The most socket fds seen while clients ran (shows the count works). */
let peakFds = 0;
const rows: string[] = [];
const fdsBefore = socketFds();
for (const p of providers) {
  const c = loadCase(p.fixture);
  const events = c.events as WireEvent[];
  // 4 ms between events, 20 ms before the first: a client always leaves before the upstream ends
  const upstream = await startReplayServer({ format: p.format, events, delayMs: 4 });
  const handle = await startServe({ provider: p.provider, model: p.model, port: 0, env: {}, upstreamURL: upstream.url });
  const started = performance.now();
  const outcomes = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < CLIENTS) {
      next++;
      const r = random();
      const point =
        r < 0.2
          ? ({ kind: 'before-headers', bytes: 0, delayMs: Math.floor(random() * 3) } as const)
          : r < 0.4
            ? ({ kind: 'after-headers', bytes: 0, delayMs: 0 } as const)
            : ({ kind: 'mid-body', bytes: 1 + Math.floor(random() * 600), delayMs: 0 } as const);
      const how = await leave(handle.baseURL, p.model, point);
      if (next % 100 === 0) peakFds = Math.max(peakFds, socketFds());
      outcomes.set(how, (outcomes.get(how) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  let closed = true;
  try {
    await upstream.waitForSocketsClosed(5_000);
  } catch {
    closed = false;
  }
  const health = (await (await fetch(handle.baseURL.replace(/\/v1$/, '/health'))).json()) as { open_requests: number };
  const seconds = (performance.now() - started) / 1000;
  const { ended, aborted } = upstream.streams();
  const received = upstream.received();
  await handle.close();
  await upstream.close();
  // requests that left before serve called the provider never reach it: every one that did was aborted
  const ok = closed && ended === 0 && aborted === received && health.open_requests === 0;
  if (!ok) failed = true;
  rows.push(
    `${p.provider.padEnd(9)} ${CLIENTS} clients in ${seconds.toFixed(1)} s: upstream requests ${received}, aborted ${aborted}, ended ${ended}; ` +
      `upstream sockets open after: ${upstream.openSockets()}; serve requests open after: ${health.open_requests}; ` +
      `client exits ${JSON.stringify(Object.fromEntries(outcomes))} ${ok ? 'OK' : 'FAIL'}`,
  );
  console.log(rows.at(-1));
}
await new Promise((r) => setTimeout(r, 200));
const fdsAfter = socketFds();
console.log(`socket fds of this process: ${fdsBefore} before, ${peakFds} at the most while clients ran, ${fdsAfter} after`);
if (fdsAfter > fdsBefore) failed = true;
console.log(failed ? 'serve-disconnects: FAIL' : 'serve-disconnects: OK');
process.exit(failed ? 1 : 0);
