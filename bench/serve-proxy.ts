/**
 * One run of the `rxllm serve` scenario: `node --expose-gc bench/serve-proxy.ts '<ServeRunSpec JSON>'`.
 *
 * Starts `rxllm serve --provider openai` (the command itself, `src/cli/main.ts`) in its own
 * process, its openai SDK pointed at the load server (`OPENAI_BASE_URL`, a placeholder key), and
 * is the client process in front of it: warm-up streams, then two phases, every text checked:
 * - throughput: `streams` concurrent streams written as fast as they are read, directly from the
 *   load server, then through serve (the order alternates between runs): deltas/s;
 * - latency: `streams` paced streams through serve and `streams` directly, all at the same time
 *   (one delta per `PACED_PERIOD_MS` each, stamped with its send time): each delta's latency from
 *   the load server's write to this process's read, p50 and p99 over every delta of each path;
 *   what serve adds is the difference. Reading both paths at once gives both the same machine:
 *   run one after the other, whichever ran second was slower on this 2-core VM (by as much as
 *   serve adds), so the difference measured the order.
 * Serve's CPU (user + system, all threads) and peak RSS are read from `/proc/<pid>` around the
 * phases through it. Prints one `RESULT_PREFIX` line with a `ServeRunResult` and exits.
 */
import { join } from 'node:path';
import { API_KEY, OPENAI_MODEL } from './clients/client.ts';
import type { ServeRunResult, ServeRunSpec } from './protocol.ts';
import { readSideBySide, runMeasurement, serveURL, withProxyCpu } from './proxy-process.ts';
import { type Phase, runPhase } from './serve-streams.ts';
import { monotonicUs, SHAPE_IN_BODY_PATH } from './wire.ts';

const spec = JSON.parse(process.argv[2] ?? '') as ServeRunSpec;
const ROOT = join(import.meta.dirname, '..');

runMeasurement<ServeRunResult & { ok: true }>(spec.timeoutMs, async (start) => {
  const serve = await start({
    label: 'rxllm serve',
    cwd: ROOT,
    args: [join(ROOT, 'src/cli/main.ts'), 'serve', '--provider', 'openai', '--model', OPENAI_MODEL, '--port', '0'],
    env: { ...process.env, OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${spec.origin}${SHAPE_IN_BODY_PATH}/v1` },
    profile: spec.profile,
    ready: serveURL,
  });
  const baseURL = serve.url;
  const direct = `${spec.origin}${SHAPE_IN_BODY_PATH}/v1/chat/completions`;
  const proxied = `${baseURL}/chat/completions`;
  const { streams } = spec;
  // the order of the two targets: which is read first (throughput) or asked first (latency)
  const [first, second] = spec.serveFirst ? [proxied, direct] : [direct, proxied];

  // warm-up: both targets, both modes, one stream each
  for (const phase of [{ mode: 'fast', n: spec.warmup, group: 1 }, { mode: 'paced', n: 20, group: 2 }] as const) {
    await Promise.all([runPhase(first, phase, 1), runPhase(second, phase, 1)]);
  }

  const windowStart = monotonicUs();
  // throughput: each target alone, one after the other
  const fast: Phase = { mode: 'fast', n: spec.fastDeltas, group: streams };
  const wall = new Map<string, number>();
  let fastServeCpuMs: number | undefined;
  for (const target of [first, second]) {
    const { value, cpuMs } = await withProxyCpu(serve, () => runPhase(target, fast, streams));
    wall.set(target, value);
    if (target === proxied) fastServeCpuMs = cpuMs;
  }
  // latency: both targets at once, so both see the same machine (load, scheduling, clock)
  const { latencies, wallMs: pacedWallMs, cpuMs: pacedServeCpuMs } = await readSideBySide(serve, [first, second], { mode: 'paced', n: spec.pacedDeltas }, streams);
  const windowEnd = monotonicUs();
  const peak = serve.peakRssMB();
  return {
    ok: true,
    fastDeltas: streams * spec.fastDeltas,
    fastDirectWallMs: wall.get(direct)!,
    fastServeWallMs: wall.get(proxied)!,
    ...(fastServeCpuMs !== undefined && { fastServeCpuMs }),
    pacedDeltas: streams * spec.pacedDeltas,
    pacedWallMs,
    pacedDirect: latencies.get(direct)!,
    pacedServe: latencies.get(proxied)!,
    ...(pacedServeCpuMs !== undefined && { pacedServeCpuMs }),
    ...(peak !== undefined && { servePeakRssMB: peak }),
    windowUs: [windowStart, windowEnd],
  };
});
