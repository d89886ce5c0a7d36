/**
 * The bench's scenarios (full and `--quick` sizes; the client scenarios, then `rxllm serve`) and
 * rxllm's targets. Sizes are chosen so that the full `npm run bench` ends within 10 minutes on a
 * 2-core machine.
 */
import { type Format, PACED_PERIOD_MS, type WriteMode } from './wire.ts';

/** One stream shape measured for every client of its format. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly format: Format;
  readonly mode: WriteMode;
  /** Deltas per stream. */
  readonly n: number;
  /** Concurrent streams. */
  readonly count: number;
  /** Runs per client (medians are taken over them). */
  readonly reps: number;
  /** Sample heap and RSS per stream at mid-run. */
  readonly memory: boolean;
}

/** A scenario that cannot run yet, reported as such (never faked). */
export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
}

/** Deltas of the warm-up stream each child reads before measuring. */
export const WARMUP_DELTAS = 1_000;

/** The scenarios, in run order. `reps` overrides every scenario's repetitions. */
export function scenarios(quick: boolean, reps?: number): Scenario[] {
  const r = (full: number) => reps ?? (quick ? 1 : full);
  const one = quick ? 20_000 : 200_000;
  const slow = quick ? { n: 10, count: 200 } : { n: 20, count: 2_000 };
  return [
    { id: 'openai-one', title: `OpenAI: one stream of ${fmt(one)} deltas`, format: 'openai', mode: 'fast', n: one, count: 1, reps: r(5), memory: false },
    {
      id: 'openai-concurrent',
      title: `OpenAI: ${fmt(quick ? 100 : 1_000)} concurrent streams of 200 deltas`,
      format: 'openai',
      mode: 'fast',
      n: 200,
      count: quick ? 100 : 1_000,
      reps: r(5),
      memory: false,
    },
    {
      id: 'openai-slow',
      title: `OpenAI: ${fmt(slow.count)} concurrent slow streams (1 delta / 50 ms, ${slow.n} deltas each)`,
      format: 'openai',
      mode: 'slow',
      ...slow,
      reps: r(3),
      memory: true,
    },
    {
      id: 'openai-real',
      title: `OpenAI: one stream of ${fmt(quick ? 2_000 : 20_000)} deltas written 1–5 events at a time`,
      format: 'openai',
      mode: 'real',
      n: quick ? 2_000 : 20_000,
      count: 1,
      reps: r(5),
      memory: false,
    },
    { id: 'anthropic-one', title: `Anthropic: one stream of ${fmt(one)} deltas`, format: 'anthropic', mode: 'fast', n: one, count: 1, reps: r(5), memory: false },
    {
      id: 'anthropic-slow',
      title: `Anthropic: ${fmt(slow.count)} concurrent slow streams (1 delta / 50 ms, ${slow.n} deltas each)`,
      format: 'anthropic',
      mode: 'slow',
      ...slow,
      reps: r(3),
      memory: true,
    },
  ];
}

/** A proxy in front of the load server, `streams` clients through it and as many directly at once. */
interface ProxyScenario {
  readonly title: string;
  /** Concurrent client streams. */
  readonly streams: number;
  /** The latency phase's interval between two writes of a stream, in ms. */
  readonly periodMs: number;
  /** Runs (medians are taken over them), each with its own proxy process. */
  readonly reps: number;
}

/** The scenario's streams and rounds, full or `--quick`. */
function proxyScenario(title: string, quick: boolean, reps: number | undefined): ProxyScenario {
  return { title, streams: 200, periodMs: PACED_PERIOD_MS, reps: reps ?? (quick ? 1 : 3) };
}

/**
 * `rxllm serve` in front of the load server (`bench/serve-proxy.ts`): concurrent clients read each
 * phase directly and through serve, every text checked.
 */
export interface ServeScenario extends ProxyScenario {
  readonly id: typeof SERVE_SCENARIO_ID;
  /** Deltas per stream of the throughput phase (written as fast as they are read). */
  readonly fastDeltas: number;
  /** Deltas per stream of the latency phase (one per {@link PACED_PERIOD_MS}, stamped). */
  readonly pacedDeltas: number;
}

export const SERVE_SCENARIO_ID = 'serve-proxy';

/**
 * The `rxllm serve` scenario: 200 clients, as issue 6 asks. The latency phase reads 200 paced
 * streams through serve and 200 directly at once, 1 delta / 50 ms each (4,000 deltas/s through
 * serve, 8,000 from the load server): at 1 / 20 ms the load server, serve and the clients together
 * already load a 2-core machine so that the direct streams' p99 reaches 10–20 ms, and the
 * latencies measure its run queue, not serve. About 10 s per run.
 */
export function serveScenario(quick: boolean, reps?: number): ServeScenario {
  return {
    id: SERVE_SCENARIO_ID,
    ...proxyScenario('`rxllm serve` proxying 200 concurrent clients (OpenAI Chat Completions; node:http + eventsource-parser clients)', quick, reps),
    fastDeltas: quick ? 100 : 500,
    pacedDeltas: quick ? 40 : 100,
  };
}

/**
 * The gateway scenario (`bench/gateway-proxy.ts`): the library gateway (`rxllm/gateway` over the
 * openai adapter) and a byte pass-through proxy (the floor for any gateway), each in its own
 * process in front of the load server, `streams` clients through it and as many directly, in the
 * realistic read pattern (`paced-real`).
 */
export interface GatewayScenario extends ProxyScenario {
  readonly id: typeof GATEWAY_SCENARIO_ID;
  /** Deltas per stream. */
  readonly deltas: number;
  /** Gateway CPU per delta ÷ the pass-through's, at most. */
  readonly maxCpuRatio: number;
  /** Latency the gateway adds at p99, at most, in µs. */
  readonly maxAddedP99Us: number;
}

export const GATEWAY_SCENARIO_ID = 'gateway-proxy';

/**
 * 200 streams of 300 deltas through each proxy (issue 9), one write of 1–5 deltas (3 on average)
 * per 50 ms each: 12,000 deltas/s through the proxy and as many from the load server directly,
 * about 5 s of streaming per run.
 */
export function gatewayScenario(quick: boolean, reps?: number): GatewayScenario {
  return {
    id: GATEWAY_SCENARIO_ID,
    ...proxyScenario('Gateway (`rxllm/gateway` over the openai adapter) vs a byte pass-through proxy, 200 concurrent clients, 1–5 deltas per upstream write', quick, reps),
    deltas: quick ? 60 : 300,
    maxCpuRatio: 2,
    maxAddedP99Us: 2_000,
  };
}

/** Scenarios that cannot run yet, reported as such. None at the moment. */
export const todos: readonly Todo[] = [];

/** Which ratio a target bounds. */
export type TargetMetric = 'cpu' | 'heapPerStream';

/**
 * A bound on one client's ratio, in one scenario of one run, to the raw SDK (the default) or to
 * the floor (fetch + eventsource-parser + JSON.parse: the `…/floor` client of the same format).
 */
export interface Target {
  readonly scenario: string;
  readonly client: string;
  readonly metric: TargetMetric;
  readonly max: number;
  readonly label: string;
  readonly reference?: 'raw' | 'floor';
}

export const targets: readonly Target[] = [
  { scenario: 'openai-one', client: 'openai/rxllm', metric: 'cpu', max: 0.4, label: 'fromOpenAI → accumulate, one stream: CPU ≤ 0.40 × raw SDK' },
  { scenario: 'openai-real', client: 'openai/rxllm', metric: 'cpu', max: 0.75, label: 'fromOpenAI → accumulate, realistic reads: CPU ≤ 0.75 × raw SDK' },
  { scenario: 'openai-one', client: 'openai/rxllm-pipeline', metric: 'cpu', max: 0.5, label: 'full pipeline, one stream: CPU ≤ 0.50 × raw SDK' },
  { scenario: 'openai-slow', client: 'openai/rxllm', metric: 'cpu', max: 1.0, label: 'fromOpenAI → accumulate, slow streams: CPU ≤ 1.0 × raw SDK' },
  { scenario: 'openai-slow', client: 'openai/rxllm', metric: 'heapPerStream', max: 1.0, label: 'fromOpenAI → accumulate, slow streams: heap/stream ≤ raw SDK' },
  { scenario: 'anthropic-one', client: 'anthropic/rxllm', metric: 'cpu', max: 0.8, label: 'fromAnthropic → accumulate, one stream: CPU ≤ 0.80 × raw SDK' },
  // the per-delta path against the parse floor (the restructuring issue's targets)
  ...(
    [
      ['openai-one', 'openai/rxllm', 'fromOpenAI → accumulate, one stream'],
      ['openai-concurrent', 'openai/rxllm', 'fromOpenAI → accumulate, 1,000 concurrent streams'],
      ['openai-real', 'openai/rxllm', 'fromOpenAI → accumulate, realistic reads'],
      ['openai-slow', 'openai/rxllm', 'fromOpenAI → accumulate, slow streams'],
      ['anthropic-one', 'anthropic/rxllm', 'fromAnthropic → accumulate, one stream'],
      ['anthropic-slow', 'anthropic/rxllm', 'fromAnthropic → accumulate, slow streams'],
    ] as const
  ).map(([scenario, client, what]): Target => ({ scenario, client, metric: 'cpu', max: 1.1, reference: 'floor', label: `${what}: CPU ≤ 1.10 × floor` })),
  { scenario: 'openai-slow', client: 'openai/rxllm', metric: 'heapPerStream', max: 1.15, reference: 'floor', label: 'fromOpenAI → accumulate, slow streams: heap/stream ≤ 1.15 × floor' },
  { scenario: 'anthropic-slow', client: 'anthropic/rxllm', metric: 'heapPerStream', max: 1.15, reference: 'floor', label: 'fromAnthropic → accumulate, slow streams: heap/stream ≤ 1.15 × floor' },
];

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
