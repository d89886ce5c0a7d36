/**
 * Where each client's heap per open stream goes, object kind by object kind, from the heap
 * snapshots a memory run writes under `npm run bench -- --heap-snapshot` (bench/child.ts).
 *
 *   node bench/heap-split.ts <streams> <prefix> [<prefix> …]
 *
 * Each `<prefix>` names one run's snapshots, `<prefix>.idle.heapsnapshot` (before the streams)
 * and `<prefix>.mid.heapsnapshot` (every stream open, at the half-way sample), e.g.
 * `$TMPDIR/rxllm-bench-heap/openai-slow/openai-rxllm.1`; `<streams>` is how many streams were
 * open (the scenario's count). For every prefix it sums the V8 self size of the objects that
 * the mid snapshot holds above the idle one, by kind (`object:Subscriber`, `closure:next`,
 * `string`, `system / Context`, …), divides by the streams, and prints one table with a column
 * per prefix: bytes per stream by kind, the kinds that differ most between the first and the
 * last column first. Self sizes only: an object's retained graph is counted under each kind.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Bytes and objects of one kind, summed over a snapshot. */
interface Kind {
  bytes: number;
  count: number;
}

/** The offset just past the `[` that opens the array under `key` (e.g. `"nodes":`). */
function arrayStart(buf: Buffer, key: string): number {
  const at = buf.indexOf(key, 0, 'latin1');
  if (at < 0) throw new Error(`no ${key} in the snapshot`);
  return buf.indexOf('[', at) + 1;
}

/** The comma-separated integers from `start` up to the closing `]`. */
function readIntegers(buf: Buffer, start: number): number[] {
  const values: number[] = [];
  let value = 0;
  let inNumber = false;
  for (let i = start; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
    } else {
      if (inNumber) values.push(value);
      value = 0;
      inNumber = false;
      if (c === 93) break; // ]
    }
  }
  return values;
}

/** Sums a snapshot's self sizes by kind. The numeric sections are scanned, not JSON-parsed, so large snapshots fit. */
function kinds(file: string): Map<string, Kind> {
  const buf = readFileSync(file);
  const metaEnd = buf.indexOf('"nodes":', 0, 'latin1');
  const head = JSON.parse(`${buf.subarray(0, metaEnd).toString('utf8').replace(/,\s*$/, '')}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  };
  const fields = head.snapshot.meta.node_fields;
  const types = head.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0) throw new Error(`${file}: the snapshot's nodes lack type, name or self_size`);
  const nodes = readIntegers(buf, arrayStart(buf, '"nodes":'));
  const stringsAt = buf.indexOf('"strings":', 0, 'latin1');
  const strings = JSON.parse(buf.subarray(buf.indexOf('[', stringsAt), buf.lastIndexOf(']') + 1).toString('utf8')) as string[];
  const byKind = new Map<string, Kind>();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]!]!;
    const name = strings[nodes[i + nameAt]!]!;
    // a string's name is its text: strings count as one kind per string type
    const key = type.endsWith('string') || type === 'number' ? type : `${type}:${name.slice(0, 60)}`;
    const kind = byKind.get(key) ?? { bytes: 0, count: 0 };
    kind.bytes += nodes[i + sizeAt]!;
    kind.count++;
    byKind.set(key, kind);
  }
  return byKind;
}

/** Bytes per stream by kind: the mid snapshot above the idle one. */
function perStream(prefix: string, streams: number): Map<string, number> {
  const idle = kinds(`${prefix}.idle.heapsnapshot`);
  const mid = kinds(`${prefix}.mid.heapsnapshot`);
  const result = new Map<string, number>();
  for (const [key, kind] of mid) result.set(key, (kind.bytes - (idle.get(key)?.bytes ?? 0)) / streams);
  for (const [key, kind] of idle) if (!mid.has(key)) result.set(key, -kind.bytes / streams);
  return result;
}

const [streamsArg, ...prefixes] = process.argv.slice(2);
const streams = Number(streamsArg);
if (!(Number.isInteger(streams) && streams > 0) || prefixes.length === 0) {
  process.stderr.write('usage: node bench/heap-split.ts <streams> <prefix> [<prefix> …]\n');
  process.exit(2);
}
const columns = prefixes.map((prefix) => perStream(prefix, streams));
const keys = [...new Set(columns.flatMap((c) => [...c.keys()]))];
const first = columns[0]!;
const last = columns.at(-1)!;
const spread = (key: string) => Math.abs((last.get(key) ?? 0) - (first.get(key) ?? 0));
keys.sort((a, b) => spread(b) - spread(a));
const cell = (column: Map<string, number>, key: string) => (column.get(key) ?? 0).toFixed(0);
const total = (column: Map<string, number>) => [...column.values()].reduce((sum, v) => sum + v, 0);
const lines = [
  `| kind (bytes per stream) | ${prefixes.map((p) => basename(p)).join(' | ')} |`,
  `| --- | ${prefixes.map(() => '--:').join(' | ')} |`,
  `| **all** | ${columns.map((c) => total(c).toFixed(0)).join(' | ')} |`,
  ...keys.filter((key) => spread(key) >= 8 || columns.some((c) => Math.abs(c.get(key) ?? 0) >= 64)).slice(0, 60).map((key) => `| ${key.replaceAll('|', '\\|')} | ${columns.map((c) => cell(c, key)).join(' | ')} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
