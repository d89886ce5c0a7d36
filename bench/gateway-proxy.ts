/**
 * One run of the gateway scenario: `node --expose-gc bench/gateway-proxy.ts '<GatewayRunSpec JSON>'`.
 *
 * Starts one proxy (`bench/gateway-server.ts`: the library gateway over the openai adapter, or
 * the byte pass-through proxy) in its own process in front of the load server, and is the client
 * process: warm-up streams, then `streams` streams through the proxy and `streams` directly from
 * the load server, all at the same time, in the load server's `paced-real` mode (every
 * `PACED_PERIOD_MS`, one write of 1–5 deltas per stream, each stamped with its send time: the
 * realistic read pattern, where each upstream read brings a few events), every text checked.
 * Per delta, the latency from the load server's write to this process's read, p50 and p99 of each
 * path (what the proxy adds is the difference); the proxy's CPU (user + system, all threads,
 * `/proc`) over the phase. `bench/run.ts` alternates the two proxies between runs.
 */
import { join } from 'node:path';
import type { GatewayRunResult, GatewayRunSpec } from './protocol.ts';
import { readSideBySide, runMeasurement } from './proxy-process.ts';
import { runPhase } from './serve-streams.ts';
import { monotonicUs, SHAPE_IN_BODY_PATH } from './wire.ts';

const spec = JSON.parse(process.argv[2] ?? '') as GatewayRunSpec;
const BENCH = import.meta.dirname;

runMeasurement<GatewayRunResult & { ok: true }>(spec.timeoutMs, async (start) => {
  const proxy = await start({
    label: `the ${spec.proxy} proxy`,
    cwd: join(BENCH, '..'),
    args: [join(BENCH, 'gateway-server.ts'), spec.proxy, spec.origin],
    profile: spec.profile,
    ready: (line) => (JSON.parse(line) as { url?: string }).url,
  });
  const direct = `${spec.origin}${SHAPE_IN_BODY_PATH}/v1/chat/completions`;
  const targets = spec.proxyFirst ? [proxy.url, direct] : [direct, proxy.url];

  // warm-up: both targets, both modes, one stream each
  for (const phase of [{ mode: 'fast', n: spec.warmup, group: 1 }, { mode: 'paced-real', n: 20, group: 2 }] as const) {
    await Promise.all(targets.map((target) => runPhase(target, phase, 1)));
  }

  const windowStart = monotonicUs();
  const { latencies, wallMs, cpuMs } = await readSideBySide(proxy, targets, { mode: 'paced-real', n: spec.deltas }, spec.streams);
  const windowEnd = monotonicUs();
  const peak = proxy.peakRssMB();
  return {
    ok: true,
    proxy: spec.proxy,
    deltas: spec.streams * spec.deltas,
    wallMs,
    direct: latencies.get(direct)!,
    proxied: latencies.get(proxy.url)!,
    ...(cpuMs !== undefined && { proxyCpuMs: cpuMs }),
    ...(peak !== undefined && { proxyPeakRssMB: peak }),
    windowUs: [windowStart, windowEnd],
  };
});
