/**
 * The gateway scenario's record (medians per proxy over its runs), its targets and its Markdown table.
 */
import type { GatewayRunMetrics, GatewayRunResult } from './protocol.ts';
import { medianOf, num } from './report.ts';
import type { GatewayScenario } from './scenarios.ts';

/** The two proxies, in table order. */
const PROXIES = ['passthrough', 'gateway'] as const;
type Proxy = (typeof PROXIES)[number];

/** Medians over one proxy's successful runs; latencies in µs. */
export interface GatewayMedians {
  /** The proxy's CPU per delta it proxied (its requests included), in µs. */
  readonly usPerDelta?: number;
  readonly directP50Us: number;
  readonly directP99Us: number;
  readonly proxiedP50Us: number;
  readonly proxiedP99Us: number;
  /** Through the proxy − direct, per run (both read at the same time), then the median. */
  readonly addedP50Us: number;
  readonly addedP99Us: number;
  readonly peakRssMB?: number;
}

/** One target of the scenario, with what was measured. */
export interface GatewayTarget {
  readonly label: string;
  readonly measured?: number;
  readonly pass?: boolean;
}

export interface GatewayRecord {
  readonly scenario: string;
  readonly runs: readonly GatewayRunMetrics[];
  readonly errors: readonly string[];
  readonly medians: Partial<Record<Proxy, GatewayMedians>>;
  readonly targets: readonly GatewayTarget[];
}

function mediansOf(runs: readonly GatewayRunMetrics[]): GatewayMedians | undefined {
  if (runs.length === 0) return undefined;
  const of = (pick: (run: GatewayRunMetrics) => number | undefined) => medianOf(runs, pick);
  const usPerDelta = of((r) => (r.proxyCpuMs === undefined ? undefined : (r.proxyCpuMs * 1000) / r.deltas));
  const peakRssMB = of((r) => r.proxyPeakRssMB);
  return {
    ...(usPerDelta !== undefined && { usPerDelta }),
    directP50Us: of((r) => r.direct.p50Us)!,
    directP99Us: of((r) => r.direct.p99Us)!,
    proxiedP50Us: of((r) => r.proxied.p50Us)!,
    proxiedP99Us: of((r) => r.proxied.p99Us)!,
    addedP50Us: of((r) => r.proxied.p50Us - r.direct.p50Us)!,
    addedP99Us: of((r) => r.proxied.p99Us - r.direct.p99Us)!,
    ...(peakRssMB !== undefined && { peakRssMB }),
  };
}

export function summarizeGateway(scenario: GatewayScenario, results: readonly GatewayRunResult[]): GatewayRecord {
  const runs = results.flatMap((r) => (r.ok ? [r] : []));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  const medians: Partial<Record<Proxy, GatewayMedians>> = {};
  for (const proxy of PROXIES) {
    const m = mediansOf(runs.filter((r) => r.proxy === proxy));
    if (m !== undefined) medians[proxy] = m;
  }
  const { gateway, passthrough } = medians;
  const ratio = gateway?.usPerDelta !== undefined && passthrough?.usPerDelta ? gateway.usPerDelta / passthrough.usPerDelta : undefined;
  const targets: GatewayTarget[] = [
    {
      label: `gateway CPU per delta ≤ ${scenario.maxCpuRatio} × the pass-through proxy's`,
      ...(ratio !== undefined && { measured: ratio, pass: ratio <= scenario.maxCpuRatio }),
    },
    {
      label: `gateway added latency p99 ≤ ${ms(scenario.maxAddedP99Us)} ms`,
      ...(gateway !== undefined && { measured: gateway.addedP99Us / 1000, pass: gateway.addedP99Us <= scenario.maxAddedP99Us }),
    },
  ];
  return { scenario: scenario.id, runs, errors, medians, targets };
}

const ms = (us: number | undefined): string => (us === undefined ? '–' : num(us / 1000, 2));
const signedMs = (us: number | undefined): string => (us === undefined ? '–' : `${us >= 0 ? '+' : '−'}${ms(Math.abs(us))}`);

/** The Markdown table of the scenario, with its targets. */
export function gatewayTable(scenario: GatewayScenario, record: GatewayRecord): string {
  const lines = [`### ${scenario.title}`, ''];
  const { passthrough: p, gateway: g } = record.medians;
  if (p === undefined && g === undefined) {
    lines.push(`FAILED: ${record.errors[0] ?? 'skipped (time budget or filter)'}`);
    return lines.join('\n');
  }
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? '' : `${num(a / b, 2)} ×`);
  const rows: (readonly [string, string, string, string])[] = [
    ['proxy CPU µs/delta (its requests included)', num(p?.usPerDelta, 1), num(g?.usPerDelta, 1), ratio(g?.usPerDelta, p?.usPerDelta)],
    ['latency added p50: ms', signedMs(p?.addedP50Us), signedMs(g?.addedP50Us), ''],
    ['latency added p99: ms', signedMs(p?.addedP99Us), signedMs(g?.addedP99Us), ''],
    ['latency p50 through the proxy (direct, same run): ms', `${ms(p?.proxiedP50Us)} (${ms(p?.directP50Us)})`, `${ms(g?.proxiedP50Us)} (${ms(g?.directP50Us)})`, ''],
    ['latency p99 through the proxy (direct, same run): ms', `${ms(p?.proxiedP99Us)} (${ms(p?.directP99Us)})`, `${ms(g?.proxiedP99Us)} (${ms(g?.directP99Us)})`, ''],
    ['proxy peak RSS MB', num(p?.peakRssMB), num(g?.peakRssMB), ''],
  ];
  lines.push('| measure | byte pass-through proxy | rxllm gateway | gateway ÷ pass-through |', '| --- | --: | --: | --: |');
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('', '| target | measured | result |', '| --- | --: | --- |');
  for (const t of record.targets) lines.push(`| ${t.label} | ${num(t.measured, 2)} | ${t.pass === undefined ? 'not measured' : t.pass ? 'PASS' : 'MISS'} |`);
  const count = (proxy: Proxy) => record.runs.filter((r) => r.proxy === proxy).length;
  const failures = record.errors.length > 0 ? ` ${record.errors.length} run(s) failed: ${record.errors[0]}` : '';
  lines.push(
    '',
    `Medians of ${count('passthrough')} pass-through and ${count('gateway')} gateway run(s), alternating, each with its own proxy process ` +
      '(`bench/gateway-server.ts`: `nodeChatCompletionsHandler` over `openaiAdapter` with `maxRetries: 0`, or node:http piping the ' +
      'upstream body to the client unparsed) and one client process. Each run reads ' +
      `${scenario.streams} streams × ${num(scenario.deltas)} deltas through the proxy and as many directly from the load server at the ` +
      `same time; every ${scenario.periodMs} ms each stream gets one write of 1–5 deltas (seeded, 3 on average: the realistic read ` +
      "pattern), each delta stamped with its write time. Latency per delta: the client's network read minus the load server's write; " +
      '"added" is through the proxy − direct within a run. Proxy CPU: its process\'s user + system time over the phase (`/proc`), ' +
      `divided by the deltas it proxied.${failures}`,
  );
  return lines.join('\n');
}
