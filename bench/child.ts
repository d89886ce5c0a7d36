/**
 * One measured client run, alone in its own process: `node --expose-gc bench/child.ts '<RunSpec JSON>'`.
 *
 * Builds the client (loading only its library), reads one warm-up stream, then starts `count`
 * streams at once and measures process CPU (user + system), wall time and peak RSS until the
 * last one ends; for memory runs it also samples heap and RSS per stream after a full GC once
 * every stream got half of its deltas (the server pauses them there until told to resume). Every stream's text is checked against the expected text.
 * Prints one {@link RESULT_PREFIX} line with a {@link RunResult} and exits.
 */
import { request } from 'node:http';
import { writeHeapSnapshot } from 'node:v8';
import { clientById } from './clients/index.ts';
import type { Progress, StreamClient } from './clients/client.ts';
import { RESULT_PREFIX, type RunResult, type RunSpec } from './protocol.ts';
import { expectedText, streamPath } from './wire.ts';

const spec = JSON.parse(process.argv[2] ?? '') as RunSpec;

function finish(result: RunResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return `${err.name}: ${err.message}${cause}`;
}

const gc = (globalThis as { gc?: () => void }).gc;
const fullGC = (): void => {
  if (gc === undefined) throw new Error('bench/child.ts needs --expose-gc');
  gc();
  gc();
};

function check(text: string, n: number, expected: string): void {
  if (text === expected) return;
  let at = 0;
  while (at < text.length && text[at] === expected[at]) at++;
  throw new Error(`wrong text for ${n} deltas: ${text.length} chars, expected ${expected.length}; first difference at ${at}`);
}

const microseconds = (): number => Number(process.hrtime.bigint() / 1000n);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every stream got the first half of its deltas: the load server holds each slow
 * stream there until {@link resume}, so all `count` streams are open, mid-response, and the
 * process has caught up when the memory sample is taken.
 */
async function halfway(perStream: readonly Progress[]): Promise<void> {
  const half = expectedText(spec.n >> 1).length;
  while (perStream.some((p) => p.chars < half)) await sleep(10);
}

/** Tells the load server to send the slow streams' second halves. */
function resume(): Promise<void> {
  return new Promise((resolve, reject) => {
    request(`${spec.origin}/resume`, { method: 'POST' }, (res) => res.resume().once('end', resolve))
      .once('error', reject)
      .end();
  });
}

async function main(): Promise<void> {
  const client = clientById(spec.client);
  let warm: StreamClient | undefined;
  let run: StreamClient;
  try {
    if (spec.warmup > 0) warm = await client.create(spec.origin + streamPath(spec.format, spec.warmup, 'fast', 1));
    run = await client.create(spec.origin + streamPath(spec.format, spec.n, spec.mode, spec.count));
  } catch (err) {
    finish({ ok: false, phase: 'create', error: describe(err) });
    return;
  }
  const progress: Progress = { chars: 0, reads: 0 };
  if (warm !== undefined) check(await warm(progress), spec.warmup, expectedText(spec.warmup));
  const expected = expectedText(spec.n);

  fullGC();
  const idle = process.memoryUsage();
  if (spec.memory && spec.heapSnapshots !== undefined) writeHeapSnapshot(`${spec.heapSnapshots}.idle.heapsnapshot`);
  const perStream: Progress[] = Array.from({ length: spec.count }, () => ({ chars: 0, reads: 0 }));
  let finished = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const windowStart = microseconds();
  const streams: Promise<string>[] = [];
  for (let i = 0; i < spec.count; i++) {
    streams.push(
      run(perStream[i]!).then((text) => {
        finished++;
        return text;
      }),
    );
  }
  let sample: { heapPerStreamKB: number; rssPerStreamKB: number; finishedAtSample: number; gcMicros: number } | undefined;
  if (spec.memory) {
    await Promise.race([halfway(perStream), Promise.all(streams)]);
    const finishedAtSample = finished;
    const before = process.cpuUsage();
    fullGC();
    const mid = process.memoryUsage();
    const spent = process.cpuUsage(before);
    if (spec.heapSnapshots !== undefined) writeHeapSnapshot(`${spec.heapSnapshots}.mid.heapsnapshot`);
    await resume();
    sample = {
      heapPerStreamKB: (mid.heapUsed - idle.heapUsed) / 1024 / spec.count,
      rssPerStreamKB: (mid.rss - idle.rss) / 1024 / spec.count,
      finishedAtSample,
      gcMicros: spent.user + spent.system,
    };
  }
  const texts = await Promise.all(streams);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const windowEnd = microseconds();
  for (const text of texts) check(text, spec.n, expected);
  finish({
    ok: true,
    cpuMs: (cpu.user + cpu.system - (sample?.gcMicros ?? 0)) / 1000,
    wallMs,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    ...(sample && { heapPerStreamKB: sample.heapPerStreamKB, rssPerStreamKB: sample.rssPerStreamKB, finishedAtSample: sample.finishedAtSample }),
    reads: perStream.reduce((sum, p) => sum + p.reads, 0),
    windowUs: [windowStart, windowEnd],
  });
}

setTimeout(() => finish({ ok: false, phase: 'run', error: `timed out after ${spec.timeoutMs} ms` }), spec.timeoutMs);
main().catch((err: unknown) => finish({ ok: false, phase: 'run', error: describe(err) }));
