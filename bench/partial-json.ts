/**
 * `node bench/partial-json.ts` (also run by `npm run bench`): the CPU cost of turning a streamed
 * JSON answer into partial values, rxllm against the Vercel AI SDK and LangChain.js on the same
 * bytes.
 *
 * The answer is a JSON array of objects (strings with escapes and non-ASCII characters, numbers,
 * nested arrays) of 10 KB, 100 KB and 1 MB, pretty-printed, streamed as 4-character `text`
 * deltas. Each client consumes every delta and must end with a value deep-equal to
 * `JSON.parse(answer)`. CPU is `process.cpuUsage()` (user + system) around one run, after one
 * warm-up run at 10 KB; rxllm's rows are the median of 7 runs (3 at 1 MB).
 *
 * - rxllm `partialJson` with `emit: 'change'`, `'value'` and `50` (ms). Deltas are delivered
 *   as a replay or a local model would: as fast as they come, on the real `asyncScheduler`, in
 *   batches of 4,096 deltas per macrotask (a 16 KB network read). A second row with `emit: 50`
 *   paces the deltas on a virtual clock at 1,000 deltas/s (4 KB/s, a fast hosted model), so
 *   the number of emissions grows with the answer's length as it does in a live stream.
 * - rxllm `jsonPatches` (the patch form).
 * - AI SDK (`ai`): what `streamObject` / `partialOutputStream` do per chunk: `parsePartialJson` of
 *   the accumulated text, then `isDeepEqualData` against the last object.
 * - LangChain.js (`@langchain/core`): `JsonOutputParser().transform` over the string chunks.
 * The AI SDK and LangChain re-parse the whole text on every delta (quadratic): they run at
 * 10 KB and 100 KB (LangChain at 100 KB, about 90 s, only with `--full`); larger sizes are not
 * run, and the estimate shown is the largest measured time scaled by the square of the size.
 *
 * Flags: `--sizes 10,100` (KB), `--quick` (10 KB and 100 KB, one run each), `--full`.
 */
import { parseArgs } from 'node:util';
import { JsonOutputParser } from '@langchain/core/output_parsers';
import { isDeepEqualData, parsePartialJson } from 'ai';
import { isDeepStrictEqual } from 'node:util';
import { Observable, type SchedulerLike, Subscription } from 'rxjs';
import type { Delta } from '../src/core/delta.ts';
import { jsonPatches } from '../src/operators/jsonPatches.ts';
import { partialJson } from '../src/operators/partialJson.ts';

const { values: flags } = parseArgs({
  options: { sizes: { type: 'string' }, quick: { type: 'boolean', default: false }, full: { type: 'boolean', default: false } },
});
const sizesKb = (flags.sizes ?? (flags.quick ? '10,100' : '10,100,1000')).split(',').map(Number);
/** Runs per rxllm client and size: more for the small sizes, whose times are a few ms. */
const repsFor = (kb: number): number => (flags.quick ? 1 : kb <= 100 ? 7 : 3);
const BATCH = 4096;
const PACE_MS = 1; // virtual ms between deltas in the paced row (1,000 deltas/s)

/** A deterministic JSON answer of about `bytes` bytes. */
function answer(bytes: number): string {
  const items: unknown[] = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const item = {
      id: i,
      title: `Item ${i}: “quoted” \\ café ${'x'.repeat(i % 17)}`,
      price: Math.round(i * 137.31) / 100,
      ratio: i / 7,
      tags: ['alpha', `t${i % 13}`, 'gamma'],
      dims: [[i % 5, 2.5], [-(i % 3), 1e-3 * i]],
      note: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n',
      ok: i % 2 === 0,
      parent: i % 4 === 0 ? null : i - 1,
    };
    items.push(item);
    size += JSON.stringify(item, null, 1).length + 2;
  }
  return JSON.stringify(items, null, 1);
}

function deltasOf(text: string): Delta[] {
  const out: Delta[] = [];
  for (let i = 0; i < text.length; i += 4) out.push({ type: 'text', text: text.slice(i, i + 4) });
  return out;
}

/** Emits the deltas in batches of {@link BATCH}, one batch per macrotask (setImmediate). */
function fastSource(deltas: readonly Delta[]): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    let i = 0;
    let timer: ReturnType<typeof setImmediate> | undefined;
    const pump = (): void => {
      const end = Math.min(i + BATCH, deltas.length);
      for (; i < end && !subscriber.closed; i++) subscriber.next(deltas[i]!);
      if (i < deltas.length) timer = setImmediate(pump);
      else subscriber.complete();
    };
    timer = setImmediate(pump);
    return () => clearImmediate(timer);
  });
}

/** A scheduler on a clock the driver moves by hand (one pending action at a time is all `partialJson` needs). */
class ManualClock implements SchedulerLike {
  time = 0;
  private queue: { due: number; run: () => void; closed: boolean }[] = [];
  now(): number {
    return this.time;
  }
  schedule<T>(work: (this: any, state?: T) => void, delay = 0, state?: T): Subscription {
    const clock = this;
    const entry = { due: this.time + delay, run: () => {}, closed: false };
    const action = {
      schedule(s?: T, d = 0) {
        if (entry.closed) return sub;
        entry.due = clock.time + d;
        state = s;
        clock.queue.push(entry);
        return sub;
      },
    };
    entry.run = () => work.call(action, state);
    const sub = new Subscription(() => {
      entry.closed = true;
    });
    this.queue.push(entry);
    return sub;
  }
  advanceTo(t: number): void {
    for (;;) {
      this.queue = this.queue.filter((e) => !e.closed);
      const next = this.queue.reduce<(typeof this.queue)[number] | undefined>((a, e) => (a === undefined || e.due < a.due ? e : a), undefined);
      if (next === undefined || next.due > t) break;
      this.queue.splice(this.queue.indexOf(next), 1);
      this.time = next.due;
      next.run();
    }
    this.time = t;
  }
}

/** The source of the paced row: one delta per {@link PACE_MS} virtual ms, synchronously. */
function pacedSource(deltas: readonly Delta[], clock: ManualClock): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    for (let i = 0; i < deltas.length && !subscriber.closed; i++) {
      clock.advanceTo(i * PACE_MS);
      subscriber.next(deltas[i]!);
    }
    subscriber.complete();
  });
}

interface Run {
  cpuMs: number;
  emissions: number;
  final: unknown;
}

async function measure(body: () => Promise<{ emissions: number; final: unknown }>): Promise<Run> {
  const before = process.cpuUsage();
  const { emissions, final } = await body();
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000, emissions, final };
}

function collect<T>(source: Observable<T>, last: (value: T, previous: unknown) => unknown): Promise<{ emissions: number; final: unknown }> {
  return new Promise((resolve, reject) => {
    let emissions = 0;
    let final: unknown;
    source.subscribe({
      next: (v) => {
        emissions++;
        final = last(v, final);
      },
      error: reject,
      complete: () => resolve({ emissions, final }),
    });
  });
}

type Client = { id: string; label: string; quadratic?: boolean; run: (deltas: readonly Delta[]) => Promise<{ emissions: number; final: unknown }> };

const clients: Client[] = [
  {
    id: 'change',
    label: "rxllm partialJson emit 'change'",
    run: (d) => collect(fastSource(d).pipe(partialJson()), (v) => v.value ?? v.partial),
  },
  {
    id: 'value',
    label: "rxllm partialJson emit 'value'",
    run: (d) => collect(fastSource(d).pipe(partialJson({ emit: 'value' })), (v) => v.value ?? v.partial),
  },
  {
    id: 'ms',
    label: 'rxllm partialJson emit 50 (fast source)',
    run: (d) => collect(fastSource(d).pipe(partialJson({ emit: 50 })), (v) => v.value ?? v.partial),
  },
  {
    id: 'ms-paced',
    label: 'rxllm partialJson emit 50 (paced 1,000 deltas/s)',
    run: (d) => {
      const clock = new ManualClock();
      return collect(pacedSource(d, clock).pipe(partialJson({ emit: 50, scheduler: clock })), (v) => v.value ?? v.partial);
    },
  },
  {
    id: 'patches',
    label: 'rxllm jsonPatches',
    run: (d) => collect(fastSource(d).pipe(jsonPatches()), (ops, doc) => applyOps(doc, ops)),
  },
  {
    id: 'ai',
    label: 'AI SDK parsePartialJson + isDeepEqualData',
    quadratic: true,
    run: async (d) => {
      let text = '';
      let last: unknown;
      let emissions = 0;
      for (const delta of d) {
        text += (delta as { text: string }).text;
        const { value } = await parsePartialJson(text);
        if (value !== undefined && !isDeepEqualData(last, value)) {
          last = value;
          emissions++;
        }
      }
      return { emissions, final: last };
    },
  },
  {
    id: 'langchain',
    label: 'LangChain JsonOutputParser.transform',
    quadratic: true,
    run: async (d) => {
      async function* chunks(): AsyncGenerator<string> {
        for (const delta of d) yield (delta as { text: string }).text;
      }
      let emissions = 0;
      let last: unknown;
      for await (const value of await new JsonOutputParser().transform(chunks(), {})) {
        emissions++;
        last = value;
      }
      return { emissions, final: last };
    },
  },
];

/** Applies jsonPatches' operations (mutating: the consumer owns its copy). */
function applyOps(doc: unknown, ops: readonly { op: string; path: string; value: unknown }[]): unknown {
  for (const { op, path, value } of ops) {
    if (path === '') {
      doc = op === 'add' ? value : (doc as string) + (value as string);
      continue;
    }
    const keys = path.slice(1).split('/');
    let parent = doc as Record<string, unknown>;
    for (let k = 0; k < keys.length - 1; k++) parent = parent[keys[k]!] as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    parent[last] = op === 'add' ? (value !== null && typeof value === 'object' ? (Array.isArray(value) ? [] : {}) : value) : (parent[last] as string) + (value as string);
  }
  return doc;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const warm = deltasOf(answer(10_000));
  for (const c of clients) await c.run(warm);

  const results = new Map<string, Map<number, Run | undefined>>();
  for (const kb of sizesKb) {
    const text = answer(kb * 1000);
    const expected = JSON.parse(text) as unknown;
    const deltas = deltasOf(text);
    log(`${kb} KB: ${fmt(text.length)} characters, ${fmt(deltas.length)} deltas`);
    for (const c of clients) {
      // LangChain takes about 90 s at 100 KB: only with --full, to keep the bench under 2 minutes.
      if (c.quadratic && (kb > 100 || (kb === 100 && c.id === 'langchain' && !flags.full))) {
        results.set(c.id, (results.get(c.id) ?? new Map()).set(kb, undefined));
        continue;
      }
      const runs: Run[] = [];
      for (let r = 0; r < (c.quadratic ? 1 : repsFor(kb)); r++) runs.push(await measure(() => c.run(deltas)));
      for (const run of runs) if (!isDeepStrictEqual(run.final, expected)) throw new Error(`${c.label} at ${kb} KB did not end with the document`);
      const cpu = median(runs.map((x) => x.cpuMs));
      const run = runs.find((x) => x.cpuMs === cpu)!;
      log(`  ${c.label}: ${fmt(cpu, 1)} ms CPU, ${fmt(run.emissions)} emissions`);
      results.set(c.id, (results.get(c.id) ?? new Map()).set(kb, run));
    }
  }

  const header = `| client | ${sizesKb.map((kb) => `${kb} KB: CPU ms (emissions) | µs/KB`).join(' | ')} | µs/KB growth |`;
  const lines = [header, `| --- | ${sizesKb.map(() => '--: | --:').join(' | ')} | --: |`];
  for (const c of clients) {
    const row = results.get(c.id)!;
    const cells: string[] = [];
    const perKb: number[] = [];
    for (const kb of sizesKb) {
      const run = row.get(kb);
      if (run === undefined) {
        const [known, run0] = [...row].filter(([, r]) => r !== undefined).at(-1) ?? [];
        cells.push(run0 === undefined ? 'not run' : `not run (≈ ${fmt((run0.cpuMs * (kb / known!) ** 2) / 1000, 1)} s est.)`, '');
        continue;
      }
      perKb.push((run.cpuMs * 1000) / kb);
      cells.push(`${fmt(run.cpuMs, 1)} (${fmt(run.emissions)})`, fmt((run.cpuMs * 1000) / kb));
    }
    const growth = perKb.length > 1 ? `${fmt(perKb[perKb.length - 1]! / perKb[0]!, 2)}×` : '';
    lines.push(`| ${c.label} | ${cells.join(' | ')} | ${growth} |`);
  }
  const ai = results.get('ai')!.get(100);
  const change = results.get('change')!.get(100);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (ai !== undefined && change !== undefined) {
    process.stdout.write(`\nAt 100 KB, partialJson 'change' uses ${fmt(ai.cpuMs / change.cpuMs, 1)}× less CPU than the AI SDK (target ≥ 10×).\n`);
  }
}

await main();
