/**
 * Resumable streams at scale (issue 14, "Scale figures"): two `rxllm serve --resumable redis://…`
 * processes A and B on one local redis-server, upstream a loopback replay server (in this process,
 * `record: false`) streaming a recording paced (`--delay` ms per event). N concurrent streams
 * (starts spread over 2 s), half posted to A and half to B; each client drops its socket after a
 * random number of events, waits 0-500 ms and resumes on the other instance with `Last-Event-ID`.
 * Checks: every text equal to the recording, `[DONE]` last, ids dense from 1 (0 duplicates, 0
 * gaps), exactly one provider request per stream, none aborted.
 *
 * Phases: redis (cut + resume), memory and none (two `--resumable memory` / two plain serve
 * processes, same load, no cut) on `--fixture` (default `openai-chat/text`, 30 text deltas), then
 * redis again on `--long-fixture` (default `openai-chat/text-long`, 300 text deltas; '' skips it).
 *
 * Figures: Redis memory per live stream (INFO used_memory, used_memory_dataset and
 * mem_clients_normal above the idle baseline, at the last sample with the most streams live);
 * latency per delta p50/p99 (the client's read time minus the replay server's `write` of that
 * chunk: `ServerResponse.prototype.write` is wrapped here to stamp the chunks of each request;
 * same process, same clock; only deltas delivered live, not the backlog a resume replays), over
 * the whole phase and over the steady window (every stream started, none ended); CPU per delta
 * of both serve processes (/proc/<pid>/stat utime+stime) and of redis-server (INFO cpu), per
 * upstream chunk.
 *
 * 127.0.0.1 only, bounded (a hard stop after 170 s), about 2 minutes with the defaults:
 *   node bench/resumable-scale.ts [--streams 1000] [--delay 250] [--seed 7] [--modes redis,memory,none]
 *     [--fixture openai-chat/text] [--long-fixture openai-chat/text-long]
 * Exits 1 when a check fails. Needs redis-server (apt-get install redis-server).
 */
import { type IncomingMessage, request, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { startReplayServer } from '../src/replay/server.ts';
import { codecOf } from '../src/replay/wire.ts';
import { type ProxyProcess, serveURL, startProxy } from './proxy-process.ts';
import { loadCase } from '../test/support/fixtures.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { seededRandom } from '../test/support/seeded-random.ts';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    delay: { type: 'string', default: '250' },
    seed: { type: 'string', default: '7' },
    modes: { type: 'string', default: 'redis,memory,none' },
    fixture: { type: 'string', default: 'openai-chat/text' },
    'long-fixture': { type: 'string', default: 'openai-chat/text-long' },
  },
});
const STREAMS = Number(values.streams);
const DELAY_MS = Number(values.delay);
const MODES = values.modes.split(',') as Mode[];
type Mode = 'redis' | 'memory' | 'none';
const HARD_STOP_MS = 170_000;
const started = performance.now();

const hardStop = setTimeout(() => {
  console.error(`resumable-scale: not done after ${HARD_STOP_MS / 1000} s; stopping (FAIL).`);
  process.exit(1); // the serve processes exit with this one (startProxy)
}, HARD_STOP_MS);
hardStop.unref();

/** A seeded PRNG (mulberry32), so a run can be repeated. */
const random = seededRandom(Number(values.seed));

const contentOf = (data: unknown): string => (data as { choices?: { delta?: { content?: string | null } }[] })?.choices?.[0]?.delta?.content ?? '';
/** The recording the current phase streams, its codec, and the indices of its events that carry answer text. */
let fixture = loadCase(values.fixture);
let codec = codecOf(fixture.format);
let contentEvents: number[] = [];
async function useFixture(id: string): Promise<void> {
  fixture = loadCase(id);
  codec = codecOf(fixture.format);
  await codec.ready?.();
  contentEvents = fixture.events.map((e, i) => (contentOf(e.data) !== '' ? i : -1)).filter((i) => i >= 0);
}

// --- upstream: the replay server, with each written chunk stamped --------------------------------
/** Per stream: the time each recorded event was handed to the socket (performance.now()). */
let upTimes: Float64Array[] = [];
let upWrites = 0;
/** Per stream: provider requests received for it (each must be exactly 1). */
let upRequests = new Uint16Array(0);
const tags = new WeakMap<object, { j: number; i: number }>();
const originalWrite = ServerResponse.prototype.write;
ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
  const tag = typeof chunk === 'object' && chunk !== null ? tags.get(chunk) : undefined;
  if (tag !== undefined) {
    upTimes[tag.j]![tag.i] = performance.now();
    upWrites++;
  }
  return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof ServerResponse.prototype.write;

const upstream = await startReplayServer((req) => {
  const j = Number(/^bench (\d+)$/.exec(String(req.body?.messages?.[0]?.content))?.[1] ?? NaN);
  if (!Number.isInteger(j) || upTimes[j] === undefined) return undefined;
  upRequests[j]!++;
  const parts = fixture.events.map((e, i) => {
    const part = codec.encodeEvent(e);
    tags.set(part, { j, i });
    return part;
  });
  return { format: fixture.format, parts, delayMs: DELAY_MS };
});

// --- processes ------------------------------------------------------------------------------------
const redis = MODES.includes('redis') ? await startRedisServer() : undefined;
const info = redis ? createClient({ url: redis.url }) : undefined;
await info?.connect();
async function redisInfo(section: string, field: string): Promise<number> {
  const text = await info!.info(section);
  return Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(text)![1]);
}
/** INFO memory: all data (used_memory), the keys (used_memory_dataset), the client connections (mem_clients_normal). */
async function redisMemory(): Promise<{ used: number; dataset: number; clients: number; connected: number }> {
  const text = (await info!.info('memory')) + (await info!.info('clients'));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)![1]);
  return { used: field('used_memory'), dataset: field('used_memory_dataset'), clients: field('mem_clients_normal'), connected: field('connected_clients') };
}

/** Starts `rxllm serve` on a free port (`startProxy`: it exits with this process); resolves once it printed its start line. */
function serve(resumable: string | undefined): Promise<ProxyProcess> {
  return startProxy({
    label: 'rxllm serve',
    cwd: join(import.meta.dirname, '..'),
    args: ['src/cli/main.ts', 'serve', '-p', 'openai', '-m', 'gpt-test', '--port', '0', ...(resumable ? ['--resumable', resumable] : [])],
    env: { ...process.env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstream.url}/v1`, RXLLM_RESUMABLE_SECRET: 'bench-shared' },
    ready: serveURL,
  });
}

/** CPU time (user + system) of both serve processes so far, ms. */
const cpuOf = (a: ProxyProcess, b: ProxyProcess): number => (a.cpuMs() ?? Number.NaN) + (b.cpuMs() ?? Number.NaN);

// --- clients --------------------------------------------------------------------------------------
interface Ev {
  readonly id: string | undefined;
  readonly data: string;
  readonly t: number;
}

/**
 * One HTTP exchange read as SSE events, each stamped with the time its bytes were read. `cutAfter`
 * events: the socket is destroyed then (the client drops off). Resolves with the status, the stream
 * id header, the time the headers arrived, and the events.
 */
function exchange(url: string, init: { method: 'POST' | 'GET'; body?: string; headers?: Record<string, string> }, cutAfter = Infinity): Promise<{ status: number; id: string; headersAt: number; events: Ev[] }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: init.method, agent: false, headers: { 'content-type': 'application/json', ...init.headers } });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const headersAt = performance.now();
      const events: Ev[] = [];
      let buffer = '';
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        resolve({ status: res.statusCode!, id: String(res.headers['rxllm-stream-id'] ?? ''), headersAt, events });
      };
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        if (finished) return;
        const t = performance.now();
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          events.push({ id: /^id: (.*)$/m.exec(block)?.[1], data, t });
          if (events.length >= cutAfter) {
            finish();
            req.destroy();
            return;
          }
        }
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', () => finish());
    });
    req.end(init.body);
  });
}

interface StreamResult {
  readonly text: string;
  readonly duplicates: number;
  readonly gaps: number;
  readonly doneLast: boolean;
  readonly failure?: string;
  /** Latency of each text delta delivered live, ms. */
  readonly latencies: number[];
  /** The same, of the deltas written upstream within the steady window (every stream started, none ended). */
  readonly steady: number[];
  /** The live deltas read on the other instance after the resume (its live tail), ms. */
  readonly resumed: number[];
}

/** The current phase's steady window (performance.now() times): after the starts settled, before the first stream can end. */
let steadyWindow = { from: 0, to: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Checks the events of one stream (ids dense from 1, text) and measures the live deltas' latency. */
function judge(j: number, parts: readonly { events: Ev[]; liveFrom: number }[], resumable: boolean): StreamResult {
  const all = parts.flatMap((p) => p.events);
  const text = all.filter((e) => e.data !== '[DONE]').map((e) => contentOf(JSON.parse(e.data))).join('');
  let duplicates = 0;
  let gaps = 0;
  if (resumable) {
    const seen = new Set<number>();
    let max = 0;
    for (const e of all) {
      const n = Number(e.id);
      if (seen.has(n)) duplicates++;
      seen.add(n);
      max = Math.max(max, n);
    }
    for (let n = 1; n <= max; n++) if (!seen.has(n)) gaps++;
  }
  // the m-th text delta at the client is the m-th content event upstream
  const latencies: number[] = [];
  const steady: number[] = [];
  const resumed: number[] = [];
  const up = upTimes[j]!;
  let m = 0;
  for (const [n, p] of parts.entries()) {
    for (const e of p.events) {
      if (e.data === '[DONE]' || contentOf(JSON.parse(e.data)) === '') continue;
      const written = up[contentEvents[m]!]!;
      if (written >= p.liveFrom) {
        latencies.push(e.t - written);
        if (n > 0) resumed.push(e.t - written);
        if (written >= steadyWindow.from && written <= steadyWindow.to) steady.push(e.t - written);
      }
      m++;
    }
  }
  return { text, duplicates, gaps, doneLast: all.at(-1)?.data === '[DONE]', latencies, steady, resumed };
}

const body = (j: number) => JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: `bench ${j}` }], stream: true });

/** Stream j on `first`; cut after a random number of events and resumed on `second` (redis), else read whole. */
async function client(j: number, first: string, second: string | undefined): Promise<StreamResult> {
  // spread the starts over 2 s, as arrivals do
  await sleep(random() * 2_000);
  const t0 = performance.now();
  if (second === undefined) {
    const r = await exchange(`${first}/chat/completions`, { method: 'POST', body: body(j) });
    if (r.status !== 200) return { text: '', duplicates: 0, gaps: 0, doneLast: false, failure: `status ${r.status}`, latencies: [], steady: [], resumed: [] };
    return judge(j, [{ events: r.events, liveFrom: t0 }], false);
  }
  const k = 1 + Math.floor(random() * (fixture.events.length - 4));
  const a = await exchange(`${first}/chat/completions`, { method: 'POST', body: body(j) }, k);
  if (a.status !== 200) return { text: '', duplicates: 0, gaps: 0, doneLast: false, failure: `status ${a.status}`, latencies: [], steady: [], resumed: [] };
  await sleep(random() * 500);
  const last = a.events.at(-1)?.id ?? '0';
  const resumeAt = performance.now();
  const b = await exchange(`${second}/chat/completions/${a.id}/stream`, { method: 'GET', headers: { 'last-event-id': last } });
  if (b.status !== 200) return { text: '', duplicates: 0, gaps: 0, doneLast: false, failure: `resume status ${b.status}`, latencies: [], steady: [], resumed: [] };
  // events written upstream before the resume was asked for arrive as backlog: not latency
  return judge(j, [{ events: a.events, liveFrom: t0 }, { events: b.events, liveFrom: resumeAt }], true);
}

function quantile(sorted: Float64Array, q: number): number {
  // NaN when empty (a phase too short for a steady window)
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Phase {
  readonly mode: Mode;
  readonly fixture: string;
  readonly deltasPerStream: number;
  readonly streams: number;
  readonly ok: number;
  readonly textMismatch: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly failures: string[];
  readonly providerRequests: number;
  /** Streams whose provider request count is not exactly 1. */
  readonly notOneRequest: number;
  readonly providerAborted: number;
  readonly p50: number;
  readonly p99: number;
  readonly liveDeltas: number;
  readonly steadyP50: number;
  readonly steadyP99: number;
  readonly steadyDeltas: number;
  readonly resumedP50: number;
  readonly resumedP99: number;
  readonly resumedDeltas: number;
  /** CPU µs per upstream chunk within the steady window: the serve processes, redis-server. */
  readonly steadyCpu: { readonly serve: number; readonly redis: number; readonly chunks: number };
  readonly upChunks: number;
  readonly serveCpuMs: number;
  readonly redisCpuMs?: number;
  readonly redisPeak?: { readonly bytes: number; readonly dataset: number; readonly clients: number; readonly connections: number; readonly live: number; readonly entries: number };
  readonly redisAfter?: number;
  readonly wallMs: number;
}

async function phase(mode: Mode, fixtureId: string): Promise<Phase> {
  await useFixture(fixtureId);
  const spec = mode === 'redis' ? redis!.url : mode === 'memory' ? 'memory' : undefined;
  const [a, b] = await Promise.all([serve(spec), serve(spec)]);
  upTimes = Array.from({ length: STREAMS }, () => new Float64Array(fixture.events.length));
  upWrites = 0;
  upRequests = new Uint16Array(STREAMS);
  const before = { received: upstream.received(), streams: upstream.streams() };
  await sleep(500);
  const baseline = mode === 'redis' ? await redisMemory() : { used: 0, dataset: 0, clients: 0, connected: 0 };
  const redisCpu0 = mode === 'redis' ? (await redisInfo('cpu', 'used_cpu_user')) + (await redisInfo('cpu', 'used_cpu_sys')) : 0;
  const cpu0 = cpuOf(a, b);
  const t0 = performance.now();
  steadyWindow = { from: t0 + 3_000, to: t0 + fixture.events.length * DELAY_MS };
  const redisCpuNow = async () => (mode === 'redis' ? ((await redisInfo('cpu', 'used_cpu_user')) + (await redisInfo('cpu', 'used_cpu_sys'))) * 1000 : 0);
  const cpuAt = async (at: number) => {
    await sleep(at - performance.now());
    return { serve: cpuOf(a, b), redis: await redisCpuNow(), chunks: upWrites };
  };
  const windowCpu = Promise.all([cpuAt(steadyWindow.from), cpuAt(steadyWindow.to)]);

  // Redis memory samples while the streams run
  let peak = { bytes: 0, dataset: 0, clients: 0, connections: 0, live: 0, entries: 0 };
  let sampling = mode === 'redis';
  const sampler = (async () => {
    while (sampling) {
      await sleep(500);
      const live = upstream.received() - before.received - (upstream.streams().ended - before.streams.ended);
      const m = await redisMemory();
      if (live > peak.live || (live === peak.live && m.used - baseline.used > peak.bytes)) {
        peak = { bytes: m.used - baseline.used, dataset: m.dataset - baseline.dataset, clients: m.clients - baseline.clients, connections: m.connected - baseline.connected, live, entries: upWrites };
      }
    }
  })();

  const results = await Promise.all(
    Array.from({ length: STREAMS }, (_, j) => {
      const [first, second] = j % 2 === 0 ? [a.url, b.url] : [b.url, a.url];
      return client(j, first, mode === 'redis' ? second : undefined).catch((error: unknown) => ({ text: '', duplicates: 0, gaps: 0, doneLast: false, failure: String(error), latencies: [], steady: [], resumed: [] }) as StreamResult);
    }),
  );
  const wallMs = performance.now() - t0;
  const [w0, w1] = await windowCpu;
  // no steady window when the streams are shorter than the starts' spread: NaN
  const steadyChunks = steadyWindow.to > steadyWindow.from && w1.chunks > w0.chunks ? w1.chunks - w0.chunks : Number.NaN;
  sampling = false;
  await sampler;
  const serveCpuMs = cpuOf(a, b) - cpu0;
  const redisCpuMs = mode === 'redis' ? ((await redisInfo('cpu', 'used_cpu_user')) + (await redisInfo('cpu', 'used_cpu_sys')) - redisCpu0) * 1000 : undefined;
  await sleep(300);
  const redisAfter = mode === 'redis' ? (await redisMemory()).used - baseline.used : undefined;
  const after = upstream.streams();
  const providerRequests = upstream.received() - before.received;
  const providerAborted = after.aborted - before.streams.aborted;
  await Promise.all([a.stop(), b.stop()]);
  if (mode === 'redis') await info!.flushAll();

  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of results) for (const l of r.latencies) all[at++] = l;
  all.sort();
  const steady = Float64Array.from(results.flatMap((r) => r.steady)).sort();
  const resumed = Float64Array.from(results.flatMap((r) => r.resumed)).sort();
  const failures = results.filter((r) => r.failure !== undefined).map((r) => r.failure!);
  const textMismatch = results.filter((r) => r.failure === undefined && (r.text !== fixture.expect.text || !r.doneLast)).length;
  return {
    mode,
    fixture: fixtureId,
    deltasPerStream: contentEvents.length,
    streams: STREAMS,
    ok: results.length - failures.length - textMismatch,
    textMismatch,
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    gaps: results.reduce((n, r) => n + r.gaps, 0),
    failures,
    providerRequests,
    notOneRequest: upRequests.filter((n) => n !== 1).length,
    providerAborted,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    liveDeltas: all.length,
    steadyP50: quantile(steady, 0.5),
    steadyP99: quantile(steady, 0.99),
    steadyDeltas: steady.length,
    resumedP50: quantile(resumed, 0.5),
    resumedP99: quantile(resumed, 0.99),
    resumedDeltas: resumed.length,
    steadyCpu: { serve: ((w1.serve - w0.serve) * 1000) / steadyChunks, redis: ((w1.redis - w0.redis) * 1000) / steadyChunks, chunks: steadyChunks },
    upChunks: upWrites,
    serveCpuMs,
    redisCpuMs,
    redisPeak: mode === 'redis' ? peak : undefined,
    redisAfter,
    wallMs,
  };
}

const load0 = (await import('node:os')).loadavg()[0]!;
const phases: Phase[] = [];
const plan: [Mode, string][] = MODES.map((m) => [m, values.fixture]);
if (values['long-fixture'] !== '' && MODES.includes('redis')) plan.push(['redis', values['long-fixture']]);
for (const [mode, fixtureId] of plan) {
  const p = await phase(mode, fixtureId);
  phases.push(p);
  console.log(
    `${mode} (${p.fixture}, ${p.deltasPerStream} text deltas/stream, ${DELAY_MS} ms apart): ${p.ok}/${p.streams} streams exact, text mismatches ${p.textMismatch}, duplicates ${p.duplicates}, gaps ${p.gaps}, failures ${p.failures.length}${p.failures.length ? ` (${p.failures[0]})` : ''}, ` +
      `provider requests ${p.providerRequests} (streams without exactly one: ${p.notOneRequest}), aborted ${p.providerAborted}; latency/delta p50 ${p.p50.toFixed(2)} ms p99 ${p.p99.toFixed(2)} ms over ${p.liveDeltas} live deltas (steady window: p50 ${p.steadyP50.toFixed(2)} ms p99 ${p.steadyP99.toFixed(2)} ms over ${p.steadyDeltas}; CPU ${p.steadyCpu.serve.toFixed(1)} µs/delta serve${p.mode === 'redis' ? ` + ${p.steadyCpu.redis.toFixed(1)} redis-server` : ''}${p.mode === 'redis' ? `; live tail after the resume on the other instance: p50 ${p.resumedP50.toFixed(2)} ms p99 ${p.resumedP99.toFixed(2)} ms over ${p.resumedDeltas}` : ''}); ` +
      `serve CPU ${(p.serveCpuMs / 1000).toFixed(1)} s = ${((p.serveCpuMs * 1000) / p.upChunks).toFixed(1)} µs/delta` +
      (p.redisCpuMs !== undefined ? `, redis-server CPU ${((p.redisCpuMs * 1000) / p.upChunks).toFixed(1)} µs/delta` : '') +
      (p.redisPeak ? `; Redis used_memory +${(p.redisPeak.bytes / 1024 / 1024).toFixed(1)} MiB with ${p.redisPeak.live} live (${(p.redisPeak.bytes / Math.max(1, p.redisPeak.live) / 1024).toFixed(1)} KiB/stream: keys ${(p.redisPeak.dataset / Math.max(1, p.redisPeak.live) / 1024).toFixed(1)} KiB = ${(p.redisPeak.dataset / Math.max(1, p.redisPeak.entries)).toFixed(0)} B/entry over ${p.redisPeak.entries} entries, client connections ${(p.redisPeak.clients / Math.max(1, p.redisPeak.live) / 1024).toFixed(1)} KiB for ${p.redisPeak.connections} more connections), +${(p.redisAfter! / 1024 / 1024).toFixed(1)} MiB after all ended` : '') +
      `; wall ${(p.wallMs / 1000).toFixed(1)} s`,
  );
}
const same = phases.filter((p) => p.fixture === values.fixture);
const base = same.find((p) => p.mode === 'none');
const mem = same.find((p) => p.mode === 'memory');
for (const p of same) {
  if (p.mode === 'none') continue;
  for (const ref of [base, mem]) {
    if (ref === undefined || ref === p) continue;
    console.log(
      `added by ${p.mode} vs ${ref.mode}, all live deltas: p50 ${(p.p50 - ref.p50).toFixed(2)} ms, p99 ${(p.p99 - ref.p99).toFixed(2)} ms, serve CPU ${(((p.serveCpuMs - ref.serveCpuMs) * 1000) / p.upChunks).toFixed(1)} µs/delta; ` +
        `steady window: p50 ${(p.steadyP50 - ref.steadyP50).toFixed(2)} ms, p99 ${(p.steadyP99 - ref.steadyP99).toFixed(2)} ms, serve CPU ${(p.steadyCpu.serve - ref.steadyCpu.serve).toFixed(1)} µs/delta`,
    );
  }
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${load0.toFixed(2)} at the start, ${(await import('node:os')).loadavg()[0]!.toFixed(2)} at the end`);

const failed = phases.some(
  (p) => p.ok !== p.streams || p.duplicates > 0 || p.gaps > 0 || p.providerRequests !== p.streams || p.notOneRequest > 0 || p.providerAborted > 0,
);
await info?.quit();
await redis?.stop();
await upstream.close();
console.log(failed ? 'FAIL' : 'PASS: every text equal to the recording, 0 duplicates, 0 gaps, one provider request per stream, none aborted');
process.exit(failed ? 1 : 0);
