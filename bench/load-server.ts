/**
 * The load server: its own process, node:http on 127.0.0.1, streaming pre-encoded SSE bodies so
 * that its own cost stays out of the client's measurement (the client runs in another process).
 *
 * Routes: `POST /{openai|anthropic}/{n}/{fast|real|slow}/{streams}` followed by the SDK's
 * endpoint (`/v1/chat/completions` for OpenAI, `/v1/messages` for Anthropic); `streams` is how
 * many concurrent streams of that shape the client opens. Write modes:
 * - `fast`: the whole body in 64 KB writes, as fast as the client reads (backpressure);
 * - `real`: 1–5 events per write (seeded, so every client gets the same writes), each write
 *   followed by a pause of `REAL_GAP_MS` (the server thread sleeps; one such stream runs at a
 *   time), so a client reads about one write at a time, as it reads real providers;
 * - `slow`: the head at once; then, once all `streams` are connected, one text delta per 50 ms
 *   per stream (streams spread over ten 5 ms slots), pausing at half of the deltas until
 *   `POST /resume` (the client's cue that it sampled its memory with every stream open);
 * - `paced` (the `rxllm serve` scenario): like `slow` without the pause, one delta per
 *   `PACED_PERIOD_MS`, each stamped with its send time (`bench/paced.ts`);
 * - `paced-real` (the gateway scenario): like `paced`, but each write carries 1–5 stamped deltas
 *   (seeded per stream, 3 on average), as `real` writes them.
 *
 * `POST /shape-in-body/v1/chat/completions` reads the stream path from the JSON body's
 * `metadata.stream_path` instead (for `rxllm serve`, whose upstream base URL is fixed).
 *
 * Run: `node bench/load-server.ts`; prints `{"port":N}` on stdout once listening and exits when
 * its stdin closes (the parent, `bench/run.ts`, went away).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { writePaced } from './paced.ts';
import { StreamGroups } from './stream-groups.ts';
import { encodeStream, eventsPerWrite, type Format, random, SHAPE_IN_BODY_PATH, type WriteMode } from './wire.ts';

const FAST_WRITE_BYTES = 64 * 1024;
/**
 * Pause after each write of the `real` mode, in ms: long enough that a client that keeps up
 * reads one write at a time (the floor sees 3.0 events per read, the mean write), short enough
 * that 20,000 deltas take about 2 s. A client slower than that per read gets a few writes at once.
 */
const REAL_GAP_MS = 0.2;
const SLOW_PERIOD_MS = 50;
const SLOW_SLOTS = 10;
/** The longest a slow stream waits for the rest of its group before its deltas start anyway. */
const SLOW_GROUP_WAIT_MS = 60_000;
/** The longest slow streams stay paused at half when no `POST /resume` comes. */
const SLOW_PAUSE_MAX_MS = 30_000;

const ENDPOINT: Record<Format, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };

interface Body {
  /** The whole body, pre-encoded. */
  readonly bytes: Buffer;
  /** Byte offset of the end of each event in `bytes`. */
  readonly ends: readonly number[];
}

const bodies = new Map<string, Body>();

function body(format: Format, n: number): Body {
  const key = `${format}:${n}`;
  let cached = bodies.get(key);
  if (cached === undefined) {
    const { head, deltas, tail } = encodeStream(format, n);
    const events = [...head, ...deltas, ...tail];
    const ends: number[] = [];
    let at = 0;
    for (const event of events) ends.push((at += event.length));
    cached = { bytes: Buffer.concat(events, at), ends };
    bodies.set(key, cached);
  }
  return cached;
}

function writeFast(res: ServerResponse, { bytes }: Body): void {
  let at = 0;
  const pump = (): void => {
    while (at < bytes.length && !res.destroyed) {
      const end = Math.min(at + FAST_WRITE_BYTES, bytes.length);
      const more = res.write(bytes.subarray(at, end));
      at = end;
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Blocks this thread for the `real` mode's pause between writes without spinning (a futex wait). */
const pause = new Int32Array(new SharedArrayBuffer(4));

function writeReal(res: ServerResponse, { bytes, ends }: Body): void {
  const next = random(0x5eed);
  let event = 0;
  let at = 0;
  const step = (): void => {
    if (res.destroyed) return;
    if (event >= ends.length) {
      res.end();
      return;
    }
    event = Math.min(event + eventsPerWrite(next), ends.length);
    const end = ends[event - 1]!;
    res.write(bytes.subarray(at, end));
    at = end;
    Atomics.wait(pause, 0, 0, REAL_GAP_MS);
    setImmediate(step);
  };
  step();
}

interface SlowStream {
  readonly res: ServerResponse;
  readonly deltas: readonly Buffer[];
  readonly tail: Buffer;
  next: number;
  /** The stream holds here (half of its deltas sent) until `POST /resume`; -1 once resumed. */
  pauseAt: number;
}

const slowBodies = new Map<string, { head: Buffer; deltas: readonly Buffer[]; tail: Buffer }>();

/** Writes the stream's next delta, holds it at half until resumed, or ends it. */
function slowStep(stream: SlowStream): boolean {
  if (stream.next === stream.pauseAt) {
    pauseTimer ??= setTimeout(resumeSlow, SLOW_PAUSE_MAX_MS);
    return false;
  }
  if (stream.next < stream.deltas.length) {
    stream.res.write(stream.deltas[stream.next++]!);
    return false;
  }
  stream.res.end(stream.tail);
  return true;
}

const slowGroups = new StreamGroups<SlowStream>({ periodMs: SLOW_PERIOD_MS, slots: SLOW_SLOTS, groupWaitMs: SLOW_GROUP_WAIT_MS, settleMs: 0, step: slowStep });

/**
 * Sends the head at once, then holds the text deltas until `group` streams of the same shape
 * are connected (or `SLOW_GROUP_WAIT_MS` passed), so all of them are open at the same time
 * however long the client takes to send its requests; then one delta per 50 ms to each.
 */
function writeSlow(res: ServerResponse, format: Format, n: number, group: number): void {
  const key = `${format}:${n}:${group}`;
  let encoded = slowBodies.get(key);
  if (encoded === undefined) {
    const { head, deltas, tail } = encodeStream(format, n);
    slowBodies.set(key, (encoded = { head: Buffer.concat(head), deltas, tail: Buffer.concat(tail) }));
  }
  res.write(encoded.head);
  slowGroups.join(key, group, { res, deltas: encoded.deltas, tail: encoded.tail, next: 0, pauseAt: n >> 1 });
}

let pauseTimer: NodeJS.Timeout | undefined;

/** Lets every paused slow stream send its second half. */
function resumeSlow(): void {
  clearTimeout(pauseTimer);
  pauseTimer = undefined;
  for (const stream of slowGroups.streams()) stream.pauseAt = -1;
}

function isFormat(value: string | undefined): value is Format {
  return value === 'openai' || value === 'anthropic';
}

function isMode(value: string | undefined): value is WriteMode {
  return value === 'fast' || value === 'real' || value === 'slow' || value === 'paced' || value === 'paced-real';
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'POST' && req.url === `${SHAPE_IN_BODY_PATH}${ENDPOINT.openai}`) {
    readStreamPath(req).then(
      (path) => respond(req, res, `${path}${ENDPOINT.openai}`),
      (err: unknown) => notFound(req, res, String(err)),
    );
    return;
  }
  req.resume();
  if (req.method === 'POST' && req.url === '/resume') {
    resumeSlow();
    res.writeHead(204).end();
    return;
  }
  respond(req, res, (req.url ?? '').split('?')[0]!);
}

/** The `metadata.stream_path` of a JSON request body (see `SHAPE_IN_BODY_PATH`). */
async function readStreamPath(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req.setEncoding('utf8')) body += chunk as string;
  const path = (JSON.parse(body) as { metadata?: { stream_path?: unknown } }).metadata?.stream_path;
  if (typeof path !== 'string') throw new Error('the body has no metadata.stream_path');
  return path;
}

function notFound(req: IncomingMessage, res: ServerResponse, why: string): void {
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}: ${why}` } }));
}

/** Answers a stream request whose shape is in `path` (see `streamPath`), or 404. */
function respond(req: IncomingMessage, res: ServerResponse, path: string): void {
  const [, format, size, mode, streams, ...rest] = path.split('/');
  const n = Number(size);
  const group = Number(streams);
  if (
    req.method !== 'POST' ||
    !isFormat(format) ||
    !isMode(mode) ||
    !(Number.isSafeInteger(n) && n >= 1) ||
    !(Number.isSafeInteger(group) && group >= 1) ||
    `/${rest.join('/')}` !== ENDPOINT[format]
  ) {
    notFound(req, res, path);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' });
  switch (mode) {
    case 'fast':
      writeFast(res, body(format, n));
      return;
    case 'real':
      writeReal(res, body(format, n));
      return;
    case 'slow':
      writeSlow(res, format, n, group);
      return;
    case 'paced':
    case 'paced-real':
      writePaced(res, format, n, group, mode === 'paced-real');
      return;
  }
}

const server = createServer({ noDelay: true, keepAliveTimeout: 30_000, requestTimeout: 0 }, handle);
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the load server has no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});

// Bounded life: stop when the parent closes our stdin (it exited or is done).
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
