/**
 * What `bench/run.ts` asks of one measured child process (`bench/child.ts`) and what the child
 * answers: one JSON line on stdout, prefixed with {@link RESULT_PREFIX}.
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

/** The child's answer. */
export type RunResult =
  | ({ readonly ok: true } & RunMetrics)
  | {
      readonly ok: false;
      /** `create`: the client could not be built (its library or rxllm source is missing); `run`: it failed or gave the wrong text. */
      readonly phase: 'create' | 'run';
      readonly error: string;
    };

export const RESULT_PREFIX = '@@bench-result ';
