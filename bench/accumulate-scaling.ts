/**
 * The scaling property of `accumulate()`: time per item must stay flat (within 2×) from 1k to
 * 40k items, for redacted reasoning blocks and for tool calls (start, one argument fragment,
 * end each, the Chat Completions pattern with every call open until the finish, and the
 * Anthropic pattern with each call ended at once). Each case builds the deltas, then times
 * what `accumulate()` does per delta (apply, then a snapshot), reading the last snapshot's
 * arrays, after a warm-up (the best of 5 runs). Exits 1 when a case is not
 * flat. Stops by itself; no network.
 *
 *   node --expose-gc bench/accumulate-scaling.ts                  # the current SnapshotBuilder
 *   node --expose-gc bench/accumulate-scaling.ts --builder FILE   # another SnapshotBuilder module (before/after)
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Delta, Snapshot } from '../src/core/delta.ts';

interface Builder {
  apply(delta: Delta): void;
  snapshot(): Snapshot;
}

const at = process.argv.indexOf('--builder');
const modulePath = at > 0 ? resolve(process.argv[at + 1]!) : resolve(import.meta.dirname, '../src/core/snapshot-builder.ts');
const { SnapshotBuilder } = (await import(pathToFileURL(modulePath).href)) as { SnapshotBuilder: new () => Builder };

/** What accumulate() does per delta: apply, then a snapshot. The last snapshot's arrays are read. */
function accumulateAll(deltas: readonly Delta[]): Snapshot {
  const b = new SnapshotBuilder();
  let s: Snapshot | undefined;
  for (const d of deltas) {
    b.apply(d);
    s = b.snapshot();
  }
  void s!.toolCalls.length;
  void s!.redactedReasoning?.length;
  return s!;
}

const cases: Record<string, (n: number) => Delta[]> = {
  'redacted reasoning blocks': (n) => Array.from({ length: n }, (_, i) => ({ type: 'reasoning', text: `opaque-${i}`, redacted: true })),
  'tool calls, all open until the finish (Chat)': (n) => {
    const out: Delta[] = [];
    for (let i = 0; i < n; i++) out.push({ type: 'tool-call-start', index: i, id: `call_${i}`, name: 'f' }, { type: 'tool-call-delta', index: i, argsText: '{"a":1}' });
    for (let i = 0; i < n; i++) out.push({ type: 'tool-call-end', index: i });
    return out;
  },
  'tool calls, each ended at once (Anthropic)': (n) => {
    const out: Delta[] = [];
    for (let i = 0; i < n; i++) {
      out.push({ type: 'tool-call-start', index: i, id: `call_${i}`, name: 'f' }, { type: 'tool-call-delta', index: i, argsText: '{"a":1}' }, { type: 'tool-call-end', index: i });
    }
    return out;
  },
};

const sizes = [1_000, 5_000, 10_000, 20_000, 40_000];
const LIMIT_MS = 20_000;
let flat = true;
console.log(`accumulate() scaling, builder ${modulePath}`);
for (const [name, make] of Object.entries(cases)) {
  accumulateAll(make(10_000)); // warm-up: the JIT, not the first size, pays for compiling
  const perItem: number[] = [];
  const cells: string[] = [];
  for (const n of sizes) {
    const deltas = make(n);
    let best = Infinity;
    for (let run = 0; run < 5; run++) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = performance.now();
      accumulateAll(deltas);
      best = Math.min(best, performance.now() - t0);
      if (best > LIMIT_MS / 3) break;
    }
    perItem.push((best * 1000) / n);
    cells.push(`${n / 1000}k: ${best.toFixed(1)} ms (${((best * 1000) / n).toFixed(2)} µs/item)`);
    if (best > LIMIT_MS / 3) {
      cells.push('… stopped (too slow to go on)');
      perItem.push(Infinity);
      break;
    }
  }
  const ratio = Math.max(...perItem) / Math.min(...perItem);
  const ok = ratio <= 2;
  flat &&= ok;
  console.log(`${ok ? 'flat' : 'NOT FLAT'} (${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}×) ${name}: ${cells.join(', ')}`);
}
process.exit(flat ? 0 : 1);
