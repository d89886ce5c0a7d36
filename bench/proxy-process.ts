/**
 * The proxy process of the proxy scenarios (`bench/serve-proxy.ts`: `rxllm serve`;
 * `bench/gateway-proxy.ts`: the library gateway and the byte pass-through proxy): started as a
 * child of the client process, told apart from it by `/proc` readings of its CPU and peak RSS,
 * stopped cleanly (SIGTERM, so a `--cpu-prof` profile is written).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Failure, type LatencyMetrics, RESULT_PREFIX } from './protocol.ts';
import { type Phase, percentiles, runPhase } from './serve-streams.ts';

/** Preloaded into a proxy: it exits when its stdin closes, so it never outlives its parent. */
const EXIT_WITH_PARENT = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0)).on("error",()=>process.exit(0)).resume()';
const START_MS = 15_000;

/** The base URL in `rxllm serve`'s start line (`rxllm serve: http://127.0.0.1:PORT/v1 …`), for `startProxy`'s `ready`. */
export const serveURL = (line: string): string | undefined => /^rxllm serve: (http:\/\/\S+\/v1) /.exec(line)?.[1];

/** Where a profiled proxy writes its V8 CPU profile: `<dir>/<name>.cpuprofile`. */
export interface ProfileTarget {
  readonly dir: string;
  readonly name: string;
}

/** A running proxy process. */
export interface ProxyProcess {
  /** What its `ready` line gave (its URL). */
  readonly url: string;
  /** Its CPU time so far (user + system, every thread) in ms; undefined without `/proc`. */
  cpuMs(): number | undefined;
  /** Its peak resident set size in MB; undefined without `/proc`. */
  peakRssMB(): number | undefined;
  /** Stops it (SIGTERM: it closes cleanly, and writes its profile) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node <script> ...args` (with `--cpu-prof` when `profile` is set) and resolves once a
 * line of its stdout gives `ready(line)` a URL.
 * @throws Error naming `label` when it exits or gives no URL within 15 s (with its stderr).
 */
export function startProxy(options: {
  readonly label: string;
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly profile?: ProfileTarget | undefined;
  readonly ready: (line: string) => string | undefined;
}): Promise<ProxyProcess> {
  const args = ['--import', EXIT_WITH_PARENT];
  const { profile } = options;
  if (profile !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${profile.name}.cpuprofile`);
  const child = spawn(process.execPath, [...args, ...options.args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      void stop(child);
      reject(new Error(`${options.label} ${why}: ${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_MS} ms`), START_MS);
    child.once('exit', (code) => fail(`exited with code ${code}`));
    lines.on('line', (line) => {
      const url = options.ready(line);
      if (url === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url, cpuMs: () => cpuMs(child.pid), peakRssMB: () => peakRssMB(child.pid), stop: () => stop(child) });
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
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

function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

function peakRssMB(pid: number | undefined): number | undefined {
  try {
    const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? undefined : Number(kB) / 1024;
  } catch {
    return undefined;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `task` after a full GC of this process (so one phase's garbage does not pause the next), reading `proxy`'s CPU around it. */
export async function withProxyCpu<T>(proxy: ProxyProcess, task: () => Promise<T>): Promise<{ value: T; cpuMs: number | undefined }> {
  if (gc === undefined) throw new Error('the proxy scenarios need --expose-gc');
  gc();
  gc();
  const before = proxy.cpuMs();
  const value = await task();
  const after = proxy.cpuMs();
  return { value, cpuMs: after === undefined || before === undefined ? undefined : after - before };
}

/**
 * The latency phase: `streams` paced streams from each of `targets` at once (asked in that
 * order), so every path sees the same machine (load, scheduling, clock), with `proxy`'s CPU
 * over it. Resolves with each target's latencies (p50, p99 over every delta of its streams),
 * the wall time in ms and the proxy's CPU in ms.
 */
export async function readSideBySide(
  proxy: ProxyProcess,
  targets: readonly string[],
  phase: Omit<Phase, 'group'>,
  streams: number,
): Promise<{ latencies: Map<string, LatencyMetrics>; wallMs: number; cpuMs: number | undefined }> {
  const group: Phase = { ...phase, group: targets.length * streams };
  const values = new Map(targets.map((target) => [target, new Float64Array(streams * phase.n)]));
  const { value: wallMs, cpuMs } = await withProxyCpu(proxy, async () => {
    const started = performance.now();
    await Promise.all(targets.map((target) => runPhase(target, group, streams, values.get(target))));
    return performance.now() - started;
  });
  const latencies = new Map([...values].map(([target, v]) => [target, latency(v)]));
  return { latencies, wallMs, cpuMs };
}

function latency(values: Float64Array): LatencyMetrics {
  const { p50, p99 } = percentiles(values);
  return { p50Us: p50, p99Us: p99 };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Runs one measurement of a proxy scenario: `measure` starts the proxy (through `start`, which
 * answers a failure to start as a `create`-phase failure) and measures. Prints one
 * `RESULT_PREFIX` line with its result, or a `run`-phase failure when it throws or takes longer
 * than `timeoutMs`, after stopping the proxy; then exits.
 */
export function runMeasurement<R extends { readonly ok: true }>(
  timeoutMs: number,
  measure: (start: (options: Parameters<typeof startProxy>[0]) => Promise<ProxyProcess>) => Promise<R>,
): void {
  let proxy: ProxyProcess | undefined;
  let finished = false;
  const finish = (result: R | Failure) => {
    if (finished) return;
    finished = true;
    void (proxy?.stop() ?? Promise.resolve()).then(() => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0)));
  };
  const start = async (options: Parameters<typeof startProxy>[0]) => {
    try {
      return (proxy = await startProxy(options));
    } catch (err) {
      finish({ ok: false, phase: 'create', error: describe(err) });
      throw err;
    }
  };
  setTimeout(() => finish({ ok: false, phase: 'run', error: `timed out after ${timeoutMs} ms` }), timeoutMs);
  measure(start).then(finish, (err: unknown) => finish({ ok: false, phase: 'run', error: describe(err) }));
}
