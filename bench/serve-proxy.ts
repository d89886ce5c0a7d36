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
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { API_KEY, OPENAI_MODEL } from './clients/client.ts';
import { type LatencyMetrics, RESULT_PREFIX, type ServeRunResult, type ServeRunSpec } from './protocol.ts';
import { percentiles, type Phase, runPhase } from './serve-streams.ts';
import { monotonicUs, SHAPE_IN_BODY_PATH } from './wire.ts';

const spec = JSON.parse(process.argv[2] ?? '') as ServeRunSpec;
const ROOT = join(import.meta.dirname, '..');
/** Preloaded into serve: it exits when its stdin closes, so it never outlives this process. */
const EXIT_WITH_PARENT = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0)).on("error",()=>process.exit(0)).resume()';
const SERVE_START_MS = 15_000;

let serve: ChildProcess | undefined;
let finished = false;

function finish(result: ServeRunResult): void {
  if (finished) return;
  finished = true;
  void stopServe().then(() => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0)));
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Starts `rxllm serve` and resolves with its OpenAI base URL (`http://127.0.0.1:<port>/v1`). */
async function startServe(): Promise<string> {
  const args = ['--import', EXIT_WITH_PARENT];
  if (spec.profile !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${spec.profile.dir}`, `--cpu-prof-name=${spec.profile.name}.cpuprofile`);
  args.push(join(ROOT, 'src/cli/main.ts'), 'serve', '--provider', 'openai', '--model', OPENAI_MODEL, '--port', '0');
  const env = { ...process.env, OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${spec.origin}${SHAPE_IN_BODY_PATH}/v1` };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  serve = child;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rxllm serve did not start within ${SERVE_START_MS} ms: ${stderr.trim()}`)), SERVE_START_MS);
    child.once('exit', (code) => reject(new Error(`rxllm serve exited with code ${code}: ${stderr.trim()}`)));
    lines.on('line', (line) => {
      const url = /^rxllm serve: (http:\/\/\S+\/v1) /.exec(line)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve(url);
    });
  });
}

/** Stops serve (SIGTERM: it closes cleanly, and writes its profile) and waits for it to exit. */
function stopServe(): Promise<void> {
  const child = serve;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Clock ticks per second of `/proc/<pid>/stat` times. */
const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Serve's CPU time so far (user + system, every thread) in ms; undefined without `/proc`. */
function serveCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/${serve!.pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Serve's peak resident set size in MB; undefined without `/proc`. */
function servePeakRssMB(): number | undefined {
  try {
    const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${serve!.pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? undefined : Number(kB) / 1024;
  } catch {
    return undefined;
  }
}

const minus = (after: number | undefined, before: number | undefined): number | undefined =>
  after === undefined || before === undefined ? undefined : after - before;

const gc = (globalThis as { gc?: () => void }).gc;

/** A full GC of this process, so that one phase's garbage does not pause the clients in the next. */
function fullGC(): void {
  if (gc === undefined) throw new Error('bench/serve-proxy.ts needs --expose-gc');
  gc();
  gc();
}

/** Runs `task`, reading serve's CPU around it. */
async function withServeCpu<T>(task: () => Promise<T>): Promise<{ value: T; cpuMs: number | undefined }> {
  fullGC();
  const before = serveCpuMs();
  const value = await task();
  return { value, cpuMs: minus(serveCpuMs(), before) };
}

function latency(values: Float64Array): LatencyMetrics {
  const { p50, p99 } = percentiles(values);
  return { p50Us: p50, p99Us: p99 };
}

async function main(): Promise<void> {
  let baseURL: string;
  try {
    baseURL = await startServe();
  } catch (err) {
    finish({ ok: false, phase: 'create', error: describe(err) });
    return;
  }
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
    const { value, cpuMs } = await withServeCpu(() => runPhase(target, fast, streams));
    wall.set(target, value);
    if (target === proxied) fastServeCpuMs = cpuMs;
  }
  // latency: both targets at once, so both see the same machine (load, scheduling, clock)
  const paced: Phase = { mode: 'paced', n: spec.pacedDeltas, group: 2 * streams };
  const deltas = streams * spec.pacedDeltas;
  const latencies = new Map([first, second].map((target) => [target, new Float64Array(deltas)]));
  const { value: pacedWallMs, cpuMs: pacedServeCpuMs } = await withServeCpu(async () => {
    const started = performance.now();
    await Promise.all([first, second].map((target) => runPhase(target, paced, streams, latencies.get(target))));
    return performance.now() - started;
  });
  const windowEnd = monotonicUs();
  const peak = servePeakRssMB();
  finish({
    ok: true,
    fastDeltas: streams * spec.fastDeltas,
    fastDirectWallMs: wall.get(direct)!,
    fastServeWallMs: wall.get(proxied)!,
    ...(fastServeCpuMs !== undefined && { fastServeCpuMs }),
    pacedDeltas: deltas,
    pacedWallMs,
    pacedDirect: latency(latencies.get(direct)!),
    pacedServe: latency(latencies.get(proxied)!),
    ...(pacedServeCpuMs !== undefined && { pacedServeCpuMs }),
    ...(peak !== undefined && { servePeakRssMB: peak }),
    windowUs: [windowStart, windowEnd],
  });
}

setTimeout(() => finish({ ok: false, phase: 'run', error: `timed out after ${spec.timeoutMs} ms` }), spec.timeoutMs);
main().catch((err: unknown) => finish({ ok: false, phase: 'run', error: describe(err) }));
