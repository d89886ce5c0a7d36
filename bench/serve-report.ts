/**
 * The `rxllm serve` scenario's record (medians over its runs) and its Markdown table.
 */
import type { ServeRunMetrics, ServeRunResult } from './protocol.ts';
import { medianOf, num, rate } from './report.ts';
import type { ServeScenario } from './scenarios.ts';

/** Medians over the successful runs; latencies in µs, rates per second of wall time. */
export interface ServeMedians {
  readonly fastDirectDeltasPerSec: number;
  readonly fastServeDeltasPerSec: number;
  /** Serve's CPU per delta of the throughput phase, in µs. */
  readonly fastServeUsPerDelta?: number;
  readonly pacedDirectP50Us: number;
  readonly pacedDirectP99Us: number;
  readonly pacedServeP50Us: number;
  readonly pacedServeP99Us: number;
  /** Through serve − direct, per run (both paths were read at the same time), then the median. */
  readonly addedP50Us: number;
  readonly addedP99Us: number;
  /** Serve's CPU per delta of the paced phase (its requests included), in µs. */
  readonly pacedServeUsPerDelta?: number;
  readonly servePeakRssMB?: number;
}

/** The scenario's runs and medians. */
export interface ServeRecord {
  readonly scenario: string;
  /** `unavailable`: serve could not start; `failed`: no run succeeded; `skipped`: the time budget ran out first. */
  readonly status: 'ok' | 'failed' | 'unavailable' | 'skipped';
  readonly runs: readonly ServeRunMetrics[];
  readonly errors: readonly string[];
  readonly medians?: ServeMedians;
}

export function summarizeServe(scenario: ServeScenario, results: readonly ServeRunResult[]): ServeRecord {
  const runs = results.flatMap((r) => (r.ok ? [r] : []));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  const base = { scenario: scenario.id, runs, errors };
  if (runs.length === 0) {
    const status = results.length === 0 ? 'skipped' : results.every((r) => !r.ok && r.phase === 'create') ? 'unavailable' : 'failed';
    return { ...base, status };
  }
  const of = (pick: (run: ServeRunMetrics) => number | undefined) => medianOf(runs, pick);
  const fastServeUsPerDelta = of((r) => (r.fastServeCpuMs === undefined ? undefined : (r.fastServeCpuMs * 1000) / r.fastDeltas));
  const pacedServeUsPerDelta = of((r) => (r.pacedServeCpuMs === undefined ? undefined : (r.pacedServeCpuMs * 1000) / r.pacedDeltas));
  const servePeakRssMB = of((r) => r.servePeakRssMB);
  const medians: ServeMedians = {
    fastDirectDeltasPerSec: of((r) => r.fastDeltas / (r.fastDirectWallMs / 1000))!,
    fastServeDeltasPerSec: of((r) => r.fastDeltas / (r.fastServeWallMs / 1000))!,
    ...(fastServeUsPerDelta !== undefined && { fastServeUsPerDelta }),
    pacedDirectP50Us: of((r) => r.pacedDirect.p50Us)!,
    pacedDirectP99Us: of((r) => r.pacedDirect.p99Us)!,
    pacedServeP50Us: of((r) => r.pacedServe.p50Us)!,
    pacedServeP99Us: of((r) => r.pacedServe.p99Us)!,
    addedP50Us: of((r) => r.pacedServe.p50Us - r.pacedDirect.p50Us)!,
    addedP99Us: of((r) => r.pacedServe.p99Us - r.pacedDirect.p99Us)!,
    ...(pacedServeUsPerDelta !== undefined && { pacedServeUsPerDelta }),
    ...(servePeakRssMB !== undefined && { servePeakRssMB }),
  };
  return { ...base, status: 'ok', medians };
}

const ms = (us: number): string => num(us / 1000, 2);
const signedMs = (us: number): string => `${us >= 0 ? '+' : '−'}${ms(Math.abs(us))}`;

/** The Markdown table of the scenario. */
export function serveTable(scenario: ServeScenario, record: ServeRecord): string {
  const lines = [`### ${scenario.title}`, ''];
  const m = record.medians;
  if (m === undefined) {
    const why = record.errors[0] ?? 'skipped (time budget or filter)';
    lines.push(record.status === 'unavailable' ? `Not available: ${why}` : record.status === 'skipped' ? 'Skipped (time budget).' : `FAILED: ${why}`);
    return lines.join('\n');
  }
  const fast = `${scenario.streams} streams × ${num(scenario.fastDeltas)} deltas written as fast as read`;
  const paced = `${scenario.streams} + ${scenario.streams} streams × ${num(scenario.pacedDeltas)} deltas at 1 / ${scenario.periodMs} ms each`;
  const rows: (readonly [string, string, string, string])[] = [
    [`throughput, ${fast}: deltas/s`, rate(m.fastDirectDeltasPerSec), rate(m.fastServeDeltasPerSec), ''],
    [`latency per delta p50, ${paced}: ms`, ms(m.pacedDirectP50Us), ms(m.pacedServeP50Us), signedMs(m.addedP50Us)],
    ['latency per delta p99: ms', ms(m.pacedDirectP99Us), ms(m.pacedServeP99Us), signedMs(m.addedP99Us)],
    ['serve CPU µs/delta, throughput', '', num(m.fastServeUsPerDelta, 1), ''],
    ['serve CPU µs/delta, paced (its requests included)', '', num(m.pacedServeUsPerDelta, 1), ''],
    ['serve peak RSS MB', '', num(m.servePeakRssMB), ''],
  ];
  lines.push('| measure | direct from the load server | through rxllm serve | added by serve |', '| --- | --: | --: | --: |');
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  const failures = record.errors.length > 0 ? ` ${record.errors.length} run(s) failed: ${record.errors[0]}` : '';
  lines.push(
    '',
    `Medians of ${record.runs.length} run(s), each with its own \`rxllm serve --provider openai\` process (\`src/cli/main.ts\`, ` +
      '`OPENAI_BASE_URL` at the load server) and one client process. Throughput: the client reads the load server directly, then ' +
      'through serve (the order alternates between runs). Latency: the client reads its streams through serve and as many directly ' +
      'at the same time (so both paths share the machine\'s load); per delta, the client\'s network read minus the load server\'s ' +
      'write, stamped in the delta\'s text, over every delta of every stream; "added" is through serve − direct within a run. Serve ' +
      `CPU: its process's user + system time over a phase (\`/proc\`), divided by the deltas it proxied.${failures}`,
  );
  return lines.join('\n');
}
