/**
 * What `bench/run.ts` asks of one measured child process (`bench/child.ts`, or
 * `bench/serve-proxy.ts` for the `rxllm serve` scenario) and what the child answers: one JSON
 * line on stdout, prefixed with {@link RESULT_PREFIX}.
 */
import type { Format, WriteMode } from './wire.ts';

/** One measured run: `count` concurrent streams of `n` deltas from the load server. */
export interface RunSpec {
  readonly client: string;
  /** The load server's origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly format: Format;
  readonly mode: WriteMode;
  readonly n: number;
  readonly count: number;
  /** Deltas of the one warm-up stream read (and verified) before measuring; 0 for none. */
  readonly warmup: number;
  /** Measure heap and RSS per stream once every stream got half of its deltas (slow streams, where the server pauses there). */
  readonly memory: boolean;
  /** The child gives up after this many ms. */
  readonly timeoutMs: number;
  /**
   * Memory runs only (`--heap-snapshot`): write V8 heap snapshots to `<prefix>.idle.heapsnapshot`
   * (before the streams) and `<prefix>.mid.heapsnapshot` (at the half-way sample), for
   * `bench/heap-split.ts`. Taken after the measurements, but the run's CPU then includes them.
   */
  readonly heapSnapshots?: string;
}

/** The measurements of one run. CPU is user + system time of the child process alone. */
export interface RunMetrics {
  /** CPU time from the first request to the last stream's end, in ms (minus the forced GC of a memory sample). */
  readonly cpuMs: number;
  /** Wall time from the first request to the last stream's end, in ms. */
  readonly wallMs: number;
  /** Peak resident set size of the child process over its whole life, in MB. */
  readonly peakRssMB: number;
  /** Heap used per open stream at the half-way pause after a full GC, above the idle baseline, in KB (memory runs). */
  readonly heapPerStreamKB?: number;
  /** Resident set size per open stream at the half-way pause, above the idle baseline, in KB (memory runs). */
  readonly rssPerStreamKB?: number;
  /** Streams already finished when the memory sample was taken (should be 0). */
  readonly finishedAtSample?: number;
  /** Network reads the client saw, summed over streams (only clients that can see them: the floor). */
  readonly reads: number;
  /** The measured window on the monotonic clock (`process.hrtime`), in µs: what a CPU profile's samples are timed on. */
  readonly windowUs: readonly [number, number];
}

/** A child's answer when it could not measure. */
export interface Failure {
  readonly ok: false;
  /** `create`: the client could not be built (its library or rxllm source is missing); `run`: it failed or gave the wrong text. */
  readonly phase: 'create' | 'run';
  readonly error: string;
}

/** The child's answer. */
export type RunResult = ({ readonly ok: true } & RunMetrics) | Failure;

/** What every proxy-scenario run (`bench/serve-proxy.ts`, `bench/gateway-proxy.ts`) is told. */
export interface ProxyRunSpec {
  /** The load server's origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Concurrent client streams through the proxy (and as many directly in the latency phase). */
  readonly streams: number;
  /** Deltas of the warm-up stream read directly and through the proxy before measuring. */
  readonly warmup: number;
  /** Run the proxy process with `--cpu-prof`, writing `<dir>/<name>.cpuprofile` when it exits. */
  readonly profile?: { readonly dir: string; readonly name: string };
  /** The run gives up after this many ms. */
  readonly timeoutMs: number;
}

/**
 * One run of the `rxllm serve` scenario (`bench/serve-proxy.ts`): `rxllm serve --provider openai`
 * in its own process in front of the load server, `streams` concurrent clients on it, compared
 * with `streams` clients reading the load server directly.
 */
export interface ServeRunSpec extends ProxyRunSpec {
  /** Deltas per stream of the throughput phase (the load server writes as fast as it is read). */
  readonly fastDeltas: number;
  /** Deltas per stream of the latency phase (one per `PACED_PERIOD_MS`, stamped with its send time). */
  readonly pacedDeltas: number;
  /** Read the throughput phase through serve first, then directly, and ask serve first in the latency phase (alternated between runs). */
  readonly serveFirst: boolean;
}

/** Per-delta latency (the client's read − the load server's write) over every delta of one path's paced streams. */
export interface LatencyMetrics {
  /** Median, in µs. */
  readonly p50Us: number;
  /** 99th percentile, in µs. */
  readonly p99Us: number;
}

/** The measurements of one `rxllm serve` run. Serve's CPU is user + system time of its process, read from `/proc` (absent elsewhere). */
export interface ServeRunMetrics {
  /** Deltas of one phase, all streams together. */
  readonly fastDeltas: number;
  /** Throughput phase, wall time from the first request to the last stream's end, in ms: directly and through serve. */
  readonly fastDirectWallMs: number;
  readonly fastServeWallMs: number;
  /** Serve's CPU during the throughput phase through it, in ms. */
  readonly fastServeCpuMs?: number;
  /** Deltas of the latency phase on each path (the phase reads both paths at once). */
  readonly pacedDeltas: number;
  /** Latency phase, wall time from the first request to the last stream's end, in ms. */
  readonly pacedWallMs: number;
  readonly pacedDirect: LatencyMetrics;
  readonly pacedServe: LatencyMetrics;
  /** Serve's CPU during the latency phase through it, in ms. */
  readonly pacedServeCpuMs?: number;
  /** Serve's peak resident set size over its whole life, in MB. */
  readonly servePeakRssMB?: number;
  /** From the first measured phase's start to the last one's end on the monotonic clock, in µs (for a profile of serve). */
  readonly windowUs: readonly [number, number];
}

/** The answer of a `bench/serve-proxy.ts` run. */
export type ServeRunResult = ({ readonly ok: true } & ServeRunMetrics) | Failure;

/**
 * One run of the gateway scenario (`bench/gateway-proxy.ts`): one proxy (`bench/gateway-server.ts`,
 * the library gateway or the byte pass-through) in its own process in front of the load server,
 * `streams` paced clients reading through it while as many read the load server directly.
 */
export interface GatewayRunSpec extends ProxyRunSpec {
  readonly proxy: 'gateway' | 'passthrough';
  /** Deltas per stream (the load server's `paced-real` mode: 1–5 per write, one write per `PACED_PERIOD_MS`). */
  readonly deltas: number;
  /** Ask the proxy for its streams before the load server (alternated between runs). */
  readonly proxyFirst: boolean;
}

/** The measurements of one gateway-scenario run. */
export interface GatewayRunMetrics {
  readonly proxy: 'gateway' | 'passthrough';
  /** Deltas through the proxy, all streams together. */
  readonly deltas: number;
  readonly wallMs: number;
  readonly direct: LatencyMetrics;
  readonly proxied: LatencyMetrics;
  /** The proxy's CPU over the phase (its requests included), in ms. */
  readonly proxyCpuMs?: number;
  readonly proxyPeakRssMB?: number;
  readonly windowUs: readonly [number, number];
}

export type GatewayRunResult = ({ readonly ok: true } & GatewayRunMetrics) | Failure;

export const RESULT_PREFIX = '@@bench-result ';
