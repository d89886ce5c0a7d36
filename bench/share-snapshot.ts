/**
 * `node --expose-gc bench/share-snapshot.ts` (also run by `npm run bench`): one request shared by
 * many subscribers, `shareSnapshot()` against RxJS `shareReplay()` (which holds every delta).
 *
 * One stream of 200,000 `text` deltas (4 characters each, 800,000 characters in all) and 1,000
 * subscribers joining at random points (seeded), each counting what it receives and checking that
 * the text it can rebuild equals the text emitted so far at its join (a late joiner of
 * `shareSnapshot` gets a one-delta catch-up, one of `shareReplay` the whole history). Retained
 * memory is the heap growth (after a full GC) while the stream is still open, every subscriber
 * on: the state the operator holds for late joiners. CPU is `process.cpuUsage()` (user + system)
 * of the whole run. Each variant runs in a child process of its own, twice; the table shows both runs.
 * RxJS `share()` (no catch-up: a late joiner misses the start) is the baseline of what 1,000
 * subscribers cost by themselves; "held" is a variant's retained heap minus that baseline.
 *
 * Flags: `--deltas 200000`, `--subscribers 1000`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Observable, share, shareReplay, type Subscriber } from 'rxjs';
import type { Delta } from '../src/core/delta.ts';
import { shareSnapshot } from '../src/operators/shareSnapshot.ts';

const { values: flags } = parseArgs({ options: { deltas: { type: 'string' }, subscribers: { type: 'string' }, variant: { type: 'string' } } });
const DELTAS = Number(flags.deltas ?? 200_000);
const SUBSCRIBERS = Number(flags.subscribers ?? 1_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('Run with node --expose-gc bench/share-snapshot.ts');

/** A seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz ';
function fragment(next: () => number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

interface Result {
  readonly name: string;
  readonly retainedBytes: number;
  readonly cpuMs: number;
  readonly received: number;
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function runOnce(name: string, share: (source: Observable<Delta>) => Observable<Delta>): Result {
  const next = random(42);
  const joins = Array.from({ length: SUBSCRIBERS }, () => Math.floor(next() * DELTAS)).sort((a, b) => a - b);
  let sink: Subscriber<Delta> | undefined;
  const source = new Observable<Delta>((s) => {
    sink = s;
  });
  const before = heap();
  const cpu = process.cpuUsage();
  const shared = share(source);
  let received = 0;
  let emittedLength = 0;
  let bad = 0;
  const subscriptions = [];
  let j = 0;
  const text = random(7);
  // the first subscriber connects
  subscriptions.push(shared.subscribe(() => received++));
  for (let i = 0; i < DELTAS; i++) {
    while (j < joins.length && joins[j]! <= i) {
      j++;
      let length = 0;
      const expected = emittedLength;
      let checked = false;
      subscriptions.push(
        shared.subscribe((d) => {
          received++;
          if (!checked) {
            if (d.type === 'text') length += d.text.length;
            if (length >= expected) {
              checked = true;
              if (length !== expected) bad++;
            }
          }
        }),
      );
      if (!checked && expected === 0) checked = true;
    }
    const delta: Delta = { type: 'text', text: fragment(text) };
    emittedLength += 4;
    sink!.next(delta);
  }
  const retainedBytes = heap() - before;
  const used = process.cpuUsage(cpu);
  if (bad > 0 && name.startsWith('share()') === false) throw new Error(`${name}: ${bad} late subscribers rebuilt a different text`);
  sink!.complete();
  for (const s of subscriptions) s.unsubscribe();
  return { name, retainedBytes, cpuMs: (used.user + used.system) / 1000, received };
}

const variants: Record<string, (s: Observable<Delta>) => Observable<Delta>> = {
  'shareSnapshot()': (s) => s.pipe(shareSnapshot()),
  'shareReplay()': (s) => s.pipe(shareReplay()),
  'share() (baseline: no catch-up, wrong for late joiners)': (s) => s.pipe(share()),
};

if (flags.variant !== undefined) {
  const share = variants[flags.variant];
  if (share === undefined) throw new Error(`unknown variant ${flags.variant}`);
  process.stdout.write(JSON.stringify(runOnce(flags.variant, share)));
} else {
  const results: Result[] = [];
  for (let round = 0; round < 2; round++) {
    for (const name of Object.keys(variants)) {
      const args = ['--expose-gc', fileURLToPath(import.meta.url), '--variant', name, '--deltas', String(DELTAS), '--subscribers', String(SUBSCRIBERS)];
      results.push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as Result);
    }
  }
  const finalTextBytes = DELTAS * 4; // one-byte characters
  console.log(`${DELTAS} text deltas of 4 characters, ${SUBSCRIBERS} subscribers joining at random points; final text ${(finalTextBytes / 1e6).toFixed(2)} MB`);
  const baseline = Math.min(...results.filter((r) => r.name.startsWith('share()')).map((r) => r.retainedBytes));
  console.log('| share | retained heap (MB) | held: minus baseline (MB) | held × final text | CPU (ms) | deltas received |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const held = r.retainedBytes - baseline;
    console.log(
      `| ${r.name} | ${(r.retainedBytes / 1e6).toFixed(2)} | ${(held / 1e6).toFixed(2)} | ${(held / finalTextBytes).toFixed(2)} | ${r.cpuMs.toFixed(0)} | ${r.received} |`,
    );
  }
}
