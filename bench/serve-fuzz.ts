/**
 * A request fuzzer against `rxllm serve` (the embedded replay, in a child process, as users run
 * it): 10,000 requests with random JSON bodies and keys, random methods and paths, header values
 * and content types, per-request faults, oversized and deeply nested bodies, and a share of raw
 * HTTP requests with arbitrary bytes in header values. Checks: the server never exits (0
 * crashes), every answer is a complete one (a `chat.completion`, a stream ending with
 * `[DONE]`, a model list, a 204 preflight) or an OpenAI-shaped error (`{ error: { message,
 * type } }`, also as the last event of a stream), and the server's RSS after all requests is
 * within 10% of its RSS after the first 1,000 (each read after a full GC in the server, through
 * its inspector on 127.0.0.1; --raw skips it). What RSS still gains after the first 1,000 (about
 * 7-9% by 10,000, flat from about 20,000 on) is V8's optimizing compilers warming up: their
 * compile-time zone memory, freed but kept by glibc's malloc arenas (main and per-thread; with
 * --no-opt --no-maglev it is under 2%). MALLOC_ARENA_MAX=2 in the environment (inherited by the
 * server) reduces it.
 *
 * 127.0.0.1 only, stops by itself (about 1-2 minutes on 2 cores).
 *   node bench/serve-fuzz.ts [--requests 10000] [--concurrency 16] [--seed 1] [--raw] [--settle 1000]
 * Exits 1 when a check fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../test/support/seeded-random.ts';

const { values } = parseArgs({
  options: { settle: { type: 'string', default: '1000' }, requests: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' }, seed: { type: 'string', default: '1' }, raw: { type: 'boolean', default: false } },
});
/**
 * The server runs with the inspector on 127.0.0.1 and each memory reading is preceded by a full
 * garbage collection (HeapProfiler.collectGarbage), so RSS compares what is kept, not how far V8
 * let garbage grow; --raw reads RSS without it.
 */
const FULL_GC = !values.raw;
/** How long the server idles before each memory reading, in ms. */
const SETTLE_MS = Number(values.settle);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const root = fileURLToPath(new URL('..', import.meta.url));

/** A seeded PRNG (mulberry32), so a run can be repeated. */
const random = seededRandom(Number(values.seed));
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const NASTY = ['名', 'é', '\r\n', '\n', '\0', '\u2028', '%', '"', '\\', '\x1b[2J', '🙂', '\ud800', 'set-cookie: a=1', '\u202e', ' ', ':'];
function randomString(max = 12): string {
  let s = '';
  for (let i = int(max + 1); i > 0; i--) s += random() < 0.3 ? pick(NASTY) : String.fromCharCode(0x20 + int(0x5f));
  return s;
}
function randomJSON(depth: number): unknown {
  const r = random();
  if (depth <= 0 || r < 0.35) return pick([null, true, false, int(1e6) - 5e5, random() * 1e12, randomString(), '', -0, 1e308]);
  if (r < 0.65) return Array.from({ length: int(4) }, () => randomJSON(depth - 1));
  return Object.fromEntries(Array.from({ length: int(5) }, () => [randomString(8), randomJSON(depth - 1)]));
}
const MODEL = 'gpt-4o-2024-08-06';
const FAULTS = ['drop=3', 'malformed=2', 'error-event=4', 'status=429', 'status=500', 'first=5', 'delay=1', 'drop=0', 'explode=1', 'status=200', 'drop=99999999', 'first=1,delay=0'];
const TYPES = ['application/json', 'application/json', 'application/json', 'application/json', 'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', randomString(10), ''];

/** One random request: method, path, headers, body. */
function randomRequest(): { method: string; path: string; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {};
  const type = pick(TYPES);
  if (type !== '') headers['content-type'] = type.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
  if (random() < 0.2) headers['x-rxllm-fault'] = pick(FAULTS);
  if (random() < 0.1) headers.origin = pick(['http://evil.example', 'null', 'http://localhost:4200']);
  if (random() < 0.1) headers.authorization = `Bearer ${randomString(20)}`.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
  if (random() < 0.3) headers[`x-fuzz-${int(100)}`] = randomString(40).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
  const r = random();
  let body: string;
  if (r < 0.45) {
    const extras = Object.fromEntries(Array.from({ length: int(4) }, () => [randomString(8), randomJSON(2)]));
    body = JSON.stringify({ ...extras, model: random() < 0.9 ? MODEL : randomString(), messages: [{ role: pick(['user', 'system', 'assistant', 'tool', randomString(4)]), content: random() < 0.9 ? randomString(30) : randomJSON(2) }], stream: random() < 0.6 ? true : pick([false, undefined, 'yes', 1]) });
  } else if (r < 0.75) body = JSON.stringify(randomJSON(4)) ?? '';
  else if (r < 0.85) body = randomString(60);
  else if (r < 0.9) body = `{"model":"${MODEL}","messages":${'['.repeat(200 + int(5000))}`;
  else if (r < 0.92) body = `{"model":"${MODEL}","messages":[{"role":"user","content":"${'x'.repeat(1024 * 1024 + int(1000))}"}]}`;
  else body = '';
  const path = random() < 0.85 ? '/v1/chat/completions' : pick(['/v1/models', `/v1/models/${encodeURIComponent(randomString(6).replace(/[\ud800-\udfff]/g, '?'))}`, '/v1/embeddings', '/', `/${encodeURIComponent(randomString(10).replace(/[\ud800-\udfff]/g, '?'))}`, '/v1/chat/completions/', '/health', '/metrics', '/v1/models/%E0%A4%A']);
  const method = random() < 0.9 ? (path.startsWith('/v1/chat') ? 'POST' : 'GET') : pick(['PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD']);
  return { method, path, headers, body };
}

/** Whether a response body is a complete answer or an OpenAI-shaped error. */
function judge(method: string, path: string, status: number, type: string, body: string): string | undefined {
  const isError = (value: unknown) => {
    const e = (value as { error?: { message?: unknown; type?: unknown } } | null)?.error;
    return typeof e?.message === 'string' && typeof e.type === 'string';
  };
  if (method === 'HEAD') return undefined;
  if (status === 204 && method === 'OPTIONS') return undefined;
  if (status === 200 && type.startsWith('text/event-stream')) {
    if (!body.endsWith('data: [DONE]\n\n')) return 'a stream without [DONE]';
    const events = body.split('\n\n').filter((e) => e !== '' && e !== 'data: [DONE]');
    for (const e of events) {
      try {
        JSON.parse(e.slice('data: '.length));
      } catch {
        return `an event that is not JSON: ${e.slice(0, 80)}`;
      }
    }
    return undefined;
  }
  if (path === '/metrics' && status === 200) return body.includes('rxllm_requests_total') ? undefined : 'metrics without rxllm_requests_total';
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return `status ${status} with a body that is not JSON: ${body.slice(0, 80)}`;
  }
  if (status === 200) {
    const object = (value as { object?: unknown; status?: unknown }).object ?? (value as { status?: unknown }).status;
    return object === 'chat.completion' || object === 'list' || object === 'model' || object === 'ok' ? undefined : `200 with ${body.slice(0, 80)}`;
  }
  return isError(value) ? undefined : `status ${status} without an OpenAI-shaped error: ${body.slice(0, 80)}`;
}

let fiveHundreds = 0;
function send(port: number, r: ReturnType<typeof randomRequest>): Promise<string | undefined> {
  return new Promise((resolve) => {
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) }, agent: false });
    } catch (error) {
      resolve(`client could not send: ${(error as Error).message}`);
      return;
    }
    req.setTimeout(30_000, () => {
      req.destroy();
      resolve('no answer within 30 s');
    });
    req.on('error', (error) => resolve(`connection error: ${error.message}`));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 500 && fiveHundreds++ < 3) console.log(`500 for ${r.method} ${r.path} ${r.body.slice(0, 300)} → ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
        resolve(judge(r.method, r.path, res.statusCode ?? 0, String(res.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', (error) => resolve(`response error: ${error.message}`));
    });
    req.end(r.body);
  });
}

/** A raw request with arbitrary bytes in a header value: any answer or a close is fine, as long as the server lives. */
function sendRaw(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const bytes = Buffer.from(Array.from({ length: 1 + int(60) }, () => int(256)));
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => resolve(undefined));
    socket.on('data', () => {});
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve('raw request: no answer or close within 10 s');
    });
    socket.end(Buffer.concat([Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Raw: `), bytes, Buffer.from('\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}')]));
  });
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

// the server as users run it: the CLI, embedded replay at full speed, a short idle timeout
const child = spawn(process.execPath, [...(FULL_GC ? ['--inspect=127.0.0.1:0'] : []), 'src/cli/main.ts', 'serve', '--port', '0', '--speed', '0', '--idle-timeout', '5s', '--cors', 'http://localhost:4200'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
process.on('exit', () => child.kill('SIGKILL'));
let exited: string | undefined;
child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
let inspectorURL: string | undefined;
let stderrHead = '';
child.stderr.setEncoding('utf8').on('data', (s: string) => {
  // the access log; with --full-gc, the inspector's address first
  if (inspectorURL !== undefined || !FULL_GC) return;
  stderrHead += s;
  inspectorURL = /(ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(stderrHead)?.[1];
});
/** A full garbage collection in the server, through its inspector. */
async function collectGarbage(): Promise<void> {
  const socket = new WebSocket(inspectorURL!);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  for (let id = 1; id <= 2; id++) {
    await new Promise<void>((resolve) => {
      socket.onmessage = (event) => {
        if ((JSON.parse(String(event.data)) as { id?: number }).id === id) resolve();
      };
      socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    });
  }
  socket.close();
  await new Promise((r) => setTimeout(r, 500));
}
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    const match = /127\.0\.0\.1:(\d+)\/v1/.exec(out);
    if (match) resolve(Number(match[1]));
  });
  child.once('exit', () => reject(new Error(`rxllm serve did not start: ${out}`)));
});

const problems = new Map<string, number>();
const statuses = new Map<number | string, number>();
let sent = 0;
let rssAt1000 = 0;
let heapAt1000 = '';
/** The server's V8 heap in use and its external memory, from its own /metrics. */
async function heapOf(port: number): Promise<string> {
  if (FULL_GC) await collectGarbage();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`\\n${name}(?:\\{[^}]*\\})? (\\S+)`).exec(text)?.[1] ?? NaN);
  return `heap used ${(get('rxllm_nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1)} of ${(get('rxllm_nodejs_heap_size_total_bytes') / 2 ** 20).toFixed(1)} MiB, external ${(get('rxllm_nodejs_external_memory_bytes') / 2 ** 20).toFixed(1)} MiB`;
}
const started = performance.now();
const worker = async (until: number) => {
  while (sent < until && exited === undefined) {
    const n = ++sent;
    const raw = random() < 0.05;
    const r = randomRequest();
    const problem = raw ? await sendRaw(port) : await send(port, r);
    if (problem !== undefined) {
      const key = problem.slice(0, 60);
      if (!problems.has(key)) console.log(`problem at request ${n}: ${problem.slice(0, 200)} (${r.method} ${r.path}, ${r.headers['content-type'] ?? 'no type'}, ${r.body.length} bytes)`);
      problems.set(key, (problems.get(key) ?? 0) + 1);
    }
    if (n % 2000 === 0) console.log(`${n} requests, ${((performance.now() - started) / 1000).toFixed(0)} s, RSS ${(rssOf(child.pid!) / 2 ** 20).toFixed(1)} MiB`);
  }
};
// the first 1,000, then the rest; memory is read after each phase once the server was idle for SETTLE_MS (its own GC settles)
await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(Math.min(1000, REQUESTS))));
await new Promise((r) => setTimeout(r, SETTLE_MS));
if (exited === undefined) {
  heapAt1000 = await heapOf(port);
  rssAt1000 = rssOf(child.pid!);
}
await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(REQUESTS)));
await new Promise((r) => setTimeout(r, SETTLE_MS));
const heapAfter = exited === undefined ? await heapOf(port) : '';
const rssAfter = exited === undefined ? rssOf(child.pid!) : 0;
const metrics = exited === undefined ? await (await fetch(`http://127.0.0.1:${port}/metrics`)).text() : '';
for (const line of metrics.split('\n')) {
  const match = /^rxllm_requests_total\{status="(\d+)"/.exec(line);
  if (match) statuses.set(Number(match[1]), (statuses.get(Number(match[1])) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
}
const crashed = exited;
child.kill('SIGTERM');
const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

const seconds = (performance.now() - started) / 1000;
const growth = rssAt1000 === 0 ? NaN : (rssAfter - rssAt1000) / rssAt1000;
const badAnswers = [...problems.values()].reduce((a, b) => a + b, 0);
console.log(`\n${sent} requests (${CONCURRENCY} at a time) in ${seconds.toFixed(1)} s; server ${crashed ?? 'alive'} during the run, exit code ${code} after SIGTERM`);
console.log(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => Number(a[0]) - Number(b[0]))))}`);
console.log(`answers neither complete nor OpenAI-shaped errors: ${badAnswers}`);
console.log(`RSS after 1,000 requests ${(rssAt1000 / 2 ** 20).toFixed(1)} MiB, after ${sent} ${(rssAfter / 2 ** 20).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%)`);
const ok = crashed === undefined && code === 0 && badAnswers === 0 && growth <= 0.1;
console.log(`server memory after 1,000 requests: ${heapAt1000}; after ${sent}: ${heapAfter}`);
console.log(ok ? 'serve-fuzz: OK' : 'serve-fuzz: FAIL');
process.exit(ok ? 0 : 1);
