/**
 * Turns the runs into per scenario × client records (medians, ratios to the raw SDK), renders
 * them as Markdown tables with the targets' PASS/MISS, describes the machine, and adds a run's
 * report to `bench/RESULTS.md`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import type { ClientSpec } from './clients/client.ts';
import type { RunMetrics, RunResult } from './protocol.ts';
import type { Scenario, Target, Todo } from './scenarios.ts';

/** Medians over a client's successful runs in one scenario; derived rates from the median CPU and wall time. */
export interface Medians {
  readonly cpuMs: number;
  readonly wallMs: number;
  /** CPU µs per delta (all streams' deltas). */
  readonly usPerDelta: number;
  /** Deltas per second of wall time, all streams together. */
  readonly deltasPerSec: number;
  readonly peakRssMB: number;
  readonly heapPerStreamKB?: number;
  readonly rssPerStreamKB?: number;
  readonly reads: number;
}

/** One scenario × client: its runs, medians and ratios to the same scenario's raw SDK. */
export interface ResultRecord {
  readonly scenario: string;
  readonly client: string;
  readonly label: string;
  /** `unavailable`: the client could not be built (rxllm source missing); `failed`: no run succeeded. */
  readonly status: 'ok' | 'failed' | 'unavailable' | 'skipped';
  readonly runs: readonly RunMetrics[];
  readonly errors: readonly string[];
  readonly medians?: Medians;
  /** Client median ÷ raw SDK median, same scenario and run. */
  readonly ratios?: { readonly cpu: number; readonly heapPerStream?: number };
}

export interface TargetResult extends Target {
  readonly measured?: number;
  readonly pass?: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of what `pick` reads from each run, leaving out runs without it; undefined when none has it. */
export function medianOf<R>(runs: readonly R[], pick: (run: R) => number | undefined): number | undefined {
  const values = runs.map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

function medians(runs: readonly RunMetrics[], scenario: Scenario): Medians {
  const of = (pick: (run: RunMetrics) => number | undefined) => medianOf(runs, pick);
  const deltas = scenario.n * scenario.count;
  const cpuMs = of((r) => r.cpuMs)!;
  const wallMs = of((r) => r.wallMs)!;
  const heapPerStreamKB = of((r) => r.heapPerStreamKB);
  const rssPerStreamKB = of((r) => r.rssPerStreamKB);
  return {
    cpuMs,
    wallMs,
    usPerDelta: (cpuMs * 1000) / deltas,
    deltasPerSec: deltas / (wallMs / 1000),
    peakRssMB: of((r) => r.peakRssMB)!,
    ...(heapPerStreamKB !== undefined && { heapPerStreamKB }),
    ...(rssPerStreamKB !== undefined && { rssPerStreamKB }),
    reads: of((r) => r.reads)!,
  };
}

/** Builds the records of one scenario from its clients' results (the reference client first). */
export function summarize(scenario: Scenario, clients: readonly ClientSpec[], results: ReadonlyMap<string, readonly RunResult[]>, unavailable: ReadonlyMap<string, string>): ResultRecord[] {
  const records = clients.map((client): ResultRecord => {
    const all = results.get(client.id) ?? [];
    const runs = all.flatMap((r) => (r.ok ? [r] : []));
    const errors = all.flatMap((r) => (r.ok ? [] : [r.error]));
    const base = { scenario: scenario.id, client: client.id, label: client.label, runs, errors };
    if (runs.length > 0) return { ...base, status: 'ok', medians: medians(runs, scenario) };
    const missing = unavailable.get(client.id);
    if (missing !== undefined) return { ...base, status: 'unavailable', errors: [missing] };
    return { ...base, status: all.length === 0 ? 'skipped' : 'failed' };
  });
  const reference = records.find((r) => clients.find((c) => c.id === r.client)?.reference)?.medians;
  if (reference === undefined) return records;
  return records.map((record) => {
    const m = record.medians;
    if (m === undefined) return record;
    const heap = m.heapPerStreamKB !== undefined && reference.heapPerStreamKB ? m.heapPerStreamKB / reference.heapPerStreamKB : undefined;
    return { ...record, ratios: { cpu: m.cpuMs / reference.cpuMs, ...(heap !== undefined && { heapPerStream: heap }) } };
  });
}

export function evaluate(targets: readonly Target[], records: readonly ResultRecord[]): TargetResult[] {
  const find = (scenario: string, client: string) => records.find((r) => r.scenario === scenario && r.client === client);
  return targets.map((target) => {
    let measured: number | undefined;
    if (target.reference === 'floor') {
      // the floor client of the same format: `openai/rxllm` → `openai/floor`
      const floor = find(target.scenario, `${target.client.split('/')[0]}/floor`)?.medians;
      const client = find(target.scenario, target.client)?.medians;
      const of = (m: Medians | undefined) => (target.metric === 'cpu' ? m?.cpuMs : m?.heapPerStreamKB);
      const [a, b] = [of(client), of(floor)];
      measured = a === undefined || b === undefined || b === 0 ? undefined : a / b;
    } else {
      const ratios = find(target.scenario, target.client)?.ratios;
      measured = target.metric === 'cpu' ? ratios?.cpu : ratios?.heapPerStream;
    }
    return measured === undefined ? target : { ...target, measured, pass: measured <= target.max };
  });
}

/** A number with thousands separators and `digits` decimals; `–` for none. */
export const num = (value: number | undefined, digits = 0): string =>
  value === undefined ? '–' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A rate per second in thousands or millions: `437 k`, `1.20 M`. */
export const rate = (perSec: number): string => (perSec >= 1e6 ? `${num(perSec / 1e6, 2)} M` : `${num(perSec / 1e3, 0)} k`);

function statusText(record: ResultRecord): string {
  const why = record.errors[0] ?? '';
  switch (record.status) {
    case 'unavailable':
      return `not available yet (${why})`;
    case 'failed':
      return `FAILED: ${why}`;
    case 'skipped':
      return 'skipped (time budget or filter)';
    case 'ok':
      return '';
  }
}

/** The Markdown table of one scenario. */
export function table(scenario: Scenario, records: readonly ResultRecord[]): string {
  const head = scenario.memory
    ? ['client', 'CPU ms', 'heap/stream KB', 'RSS/stream KB', 'peak RSS MB', 'CPU × raw', 'heap × raw']
    : ['client', 'CPU ms', 'µs/delta', 'deltas/s', 'wall ms', 'peak RSS MB', 'CPU × raw'];
  const lines = [
    `### ${scenario.title}`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '--:')).join(' | ')} |`,
  ];
  for (const record of records) {
    const m = record.medians;
    let cells: string[];
    if (m === undefined) {
      cells = [statusText(record), ...head.slice(2).map(() => '')];
    } else if (scenario.memory) {
      cells = [num(m.cpuMs), num(m.heapPerStreamKB, 1), num(m.rssPerStreamKB, 1), num(m.peakRssMB), num(record.ratios?.cpu, 2), num(record.ratios?.heapPerStream, 2)];
    } else {
      cells = [num(m.cpuMs), num(m.usPerDelta, 2), rate(m.deltasPerSec), num(m.wallMs), num(m.peakRssMB), num(record.ratios?.cpu, 2)];
    }
    const failures = record.status === 'ok' && record.errors.length > 0 ? ` (${record.errors.length} failed run(s))` : '';
    lines.push(`| ${record.label}${failures} | ${cells.join(' | ')} |`);
  }
  const runs = Math.max(0, ...records.map((r) => r.runs.length));
  lines.push('', `Medians of ${runs} run(s) per client, each in its own process.`);
  const floor = records.find((r) => r.client.endsWith('/floor'))?.medians;
  if (scenario.mode === 'real' && floor !== undefined) {
    lines.push(`The floor client saw ${num(floor.reads)} network reads: ${num((scenario.n + 4) / floor.reads, 1)} events per read.`);
  }
  const late = records.flatMap((r) => r.runs.filter((x) => (x.finishedAtSample ?? 0) > 0).map(() => r.label));
  if (late.length > 0) lines.push(`Note: some streams had finished before the memory sample (${[...new Set(late)].join(', ')}).`);
  return lines.join('\n');
}

export function targetTable(results: readonly TargetResult[]): string {
  const lines = ['### rxllm targets (ratio to the raw SDK, or to the floor where named, in the same run)', '', '| target | measured | result |', '| --- | --: | --- |'];
  for (const t of results) lines.push(`| ${t.label} | ${num(t.measured, 3)} | ${t.pass === undefined ? 'NOT MEASURED' : t.pass ? 'PASS' : 'MISS'} |`);
  return lines.join('\n');
}

/**
 * Where rxllm's distance to the floor comes from, per scenario of this run: the SDK floor
 * (`…/sdk-floor`: the official SDK makes the request, the floor parses) over the floor is the
 * SDK's per-request share; rxllm (`…/rxllm`, → accumulate) over the SDK floor is rxllm's own.
 * CPU in every scenario, heap per stream where the scenario samples it. Empty when no scenario
 * ran all three clients.
 */
export function floorSplitTable(scenarios: readonly Scenario[], records: readonly ResultRecord[]): string {
  const rows: string[] = [];
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  for (const scenario of scenarios) {
    const of = (suffix: string) => records.find((r) => r.scenario === scenario.id && r.client === `${scenario.format}/${suffix}`)?.medians;
    const [floor, sdk, rxllm] = [of('floor'), of('sdk-floor'), of('rxllm')];
    if (floor === undefined || sdk === undefined || rxllm === undefined) continue;
    const metrics: [string, (m: Medians) => number | undefined][] = [['CPU', (m) => m.cpuMs]];
    if (scenario.memory) metrics.push(['heap/stream', (m) => m.heapPerStreamKB]);
    for (const [name, value] of metrics) {
      const cells = [ratio(value(sdk), value(floor)), ratio(value(rxllm), value(sdk)), ratio(value(rxllm), value(floor))];
      rows.push(`| ${scenario.title}: ${name} | ${cells.map((c) => `${num(c, 2)}×`).join(' | ')} |`);
    }
  }
  if (rows.length === 0) return '';
  return [
    '### Floor split: the SDK\'s request versus rxllm\'s own code',
    '',
    'SDK floor = the official SDK makes the request (`.asResponse()`, with a signal), the floor parses. rxllm = → accumulate.',
    '',
    '| scenario | SDK floor ÷ floor | rxllm ÷ SDK floor | rxllm ÷ floor |',
    '| --- | --: | --: | --: |',
    ...rows,
  ].join('\n');
}

/** The scenarios not measured yet; empty when there are none. */
export function todoTable(todos: readonly Todo[]): string {
  if (todos.length === 0) return '';
  return ['### Not measured yet', '', ...todos.map((t) => `- ${t.title}: ${t.reason}`)].join('\n');
}

const PACKAGES = ['openai', '@anthropic-ai/sdk', 'ai', '@ai-sdk/openai', '@ai-sdk/anthropic', '@langchain/openai', '@langchain/core', 'eventsource-parser', 'rxjs'];

/** The machine and software a run measured. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly os: string;
  readonly node: string;
  readonly packages: Readonly<Record<string, string>>;
  /** The checkout's commit, `+dirty` when it has uncommitted changes. */
  readonly commit: string;
}

export function machine(root: string): Machine {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      packages[name] = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      packages[name] = 'not installed';
    }
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== '') commit += '+dirty';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    packages,
    commit,
  };
}

export function machineText(m: Machine): string {
  const packages = Object.entries(m.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM; ${m.os}; Node ${m.node}; rxllm at ${m.commit}.\nPackages: ${packages}.`;
}

const RESULTS_HEADER = `# rxllm benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`), newest run first. Each client reads the same bytes from
a load server running in its own process (\`bench/load-server.ts\`: OpenAI or Anthropic SSE, N text
deltas of 4 characters, then usage and the terminal event) and must rebuild the exact text. Each run
of each client is a separate child process measured alone (\`bench/child.ts\`): CPU is that process's
user + system time (all its threads) from its first request to its last stream's end, after one
warm-up stream; peak RSS is the process's maximum. Slow streams all start together once every
stream is connected and pause at half of their deltas: heap/stream and RSS/stream are sampled
there after a full GC, above the idle baseline, with every stream open. Ratios ("× raw") divide
by the raw SDK for-await loop in the same scenario of the same run. The floor is fetch +
eventsource-parser + JSON.parse; the SDK floor is the same parse of the official SDK's
\`.asResponse()\` (the request as rxllm makes it), so the floor-split table tells the SDK's
per-request share from rxllm's own. The \`rxllm serve\` scenario
(\`bench/serve-proxy.ts\`) runs the command in its own process between the load server and one client
process; the gateway scenario (\`bench/gateway-proxy.ts\`) runs the library gateway and a byte
pass-through proxy the same way, by turns; their tables say what they measure.

<!-- runs: newest first -->
`;

/** Adds a run's report to `bench/RESULTS.md` at `path`, newest first (creating the file with its header). */
export function appendResults(path: string, report: string): void {
  let existing = RESULTS_HEADER;
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    // first run
  }
  const marker = '<!-- runs: newest first -->\n';
  const at = existing.indexOf(marker);
  const next = at === -1 ? `${RESULTS_HEADER}\n${report}\n` : `${existing.slice(0, at + marker.length)}\n${report}\n${existing.slice(at + marker.length)}`;
  writeFileSync(path, next);
}
