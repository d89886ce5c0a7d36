/**
 * `npm run bench`: rxllm against the raw SDKs, the fetch + eventsource-parser floor, the Vercel
 * AI SDK and LangChain.js, on the same bytes from a load server in its own process; then
 * `rxllm serve` in front of that load server (`bench/serve-proxy.ts`); then the library gateway
 * next to a byte pass-through proxy in front of it (`bench/gateway-proxy.ts`).
 *
 * Each run of each client is its own child process (`bench/child.ts`), measured alone; every
 * client runs `reps` times per scenario, in alternating order (forward, then reversed). Prints
 * one table of medians per scenario with each client's ratio to the raw SDK, then rxllm's
 * targets with PASS/MISS. A full run writes `bench/results/latest.json` and adds a dated copy of
 * the tables to `bench/RESULTS.md`; it stops by itself within a 14-minute budget (runs past the
 * budget are skipped and reported).
 *
 * Flags:
 *   --quick            small sizes, one run each: a smoke run for CI (about a minute); writes nothing
 *   --reps N           runs per client in every scenario
 *   --only a,b         only these scenario ids (see bench/scenarios.ts; `serve-proxy` is rxllm serve's, `gateway-proxy` the gateway's)
 *   --clients a,b      only clients whose id contains one of these (the raw SDK always runs)
 *   --cpu-prof         children write V8 CPU profiles to $TMPDIR/rxllm-bench-profiles/<scenario>/<client>.<run>.cpuprofile
 *                      (for serve-proxy: the serve process, serve.<run>.cpuprofile; for gateway-proxy: <gateway|passthrough>.<run>.cpuprofile)
 *                      (use with --only/--clients; summarize with `node bench/profile-summary.ts <file>`)
 *   --heap-snapshot    memory scenarios' children write V8 heap snapshots, idle and at the half-way sample, to
 *                      $TMPDIR/rxllm-bench-heap/<scenario>/<client>.<run>.{idle,mid}.heapsnapshot
 *                      (use with --only/--clients/--reps 1; compare clients with `node bench/heap-split.ts`)
 *   --write            write results even for a quick or filtered run
 *
 * Exits 1 when a client produced wrong text or failed (rxllm clients whose sources do not exist
 * yet are reported, not failed); a MISS does not change the exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { clients as allClients } from './clients/index.ts';
import type { ClientSpec } from './clients/client.ts';
import { type GatewayRecord, gatewayTable, summarizeGateway } from './gateway-report.ts';
import {
  type Failure,
  type GatewayRunResult,
  type GatewayRunSpec,
  type ProxyRunSpec,
  RESULT_PREFIX,
  type RunResult,
  type RunSpec,
  type ServeRunResult,
  type ServeRunSpec,
} from './protocol.ts';
import type { ProfileTarget } from './proxy-process.ts';
import { appendResults, evaluate, floorSplitTable, machine, machineText, type ResultRecord, summarize, table, targetTable, todoTable } from './report.ts';
import {
  GATEWAY_SCENARIO_ID,
  type GatewayScenario,
  gatewayScenario,
  type Scenario,
  SERVE_SCENARIO_ID,
  type ServeScenario,
  scenarios,
  serveScenario,
  targets,
  todos,
  WARMUP_DELTAS,
} from './scenarios.ts';
import { type ServeRecord, serveTable, summarizeServe } from './serve-report.ts';

const BENCH = import.meta.dirname;
const ROOT = join(BENCH, '..');
const BUDGET_MS = 14 * 60_000;
const CHILD_TIMEOUT_MS = 150_000;
/** Where `--cpu-prof` runs put their profiles (outside the checkout). */
const PROFILES = join(tmpdir(), 'rxllm-bench-profiles');
/** Where `--heap-snapshot` runs put their heap snapshots (outside the checkout). */
const SNAPSHOTS = join(tmpdir(), 'rxllm-bench-heap');

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    clients: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});

const list = (value: string | undefined): string[] | undefined => value?.split(',').map((s) => s.trim()).filter(Boolean);
const only = list(flags.only);
const clientFilter = list(flags.clients);
const reps = flags.reps === undefined ? undefined : Number(flags.reps);
if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1 && reps <= 20)) throw new Error('--reps takes an integer from 1 to 20');
const partial = flags.quick || only !== undefined || clientFilter !== undefined || reps !== undefined;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Starts the load server process and resolves with it and its origin. */
async function startServer(): Promise<{ server: ChildProcess; origin: string }> {
  const server = spawn(process.execPath, [join(BENCH, 'load-server.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: server.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the load server did not start within 10 s')), 10_000);
    server.once('exit', (code) => reject(new Error(`the load server exited with code ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return { server, origin: `http://127.0.0.1:${port}` };
}

/** Runs one measured client child and resolves with its result (a failure result if it died or timed out). */
function runChild(spec: RunSpec, profile: ProfileTarget | undefined): Promise<RunResult> {
  const args = ['--expose-gc'];
  if (profile !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${profile.name}.cpuprofile`);
  return runProcess<RunResult>([...args, join(BENCH, 'child.ts'), JSON.stringify(spec)], spec.timeoutMs);
}

/** Runs `node <args>` and resolves with the result line it prints (a failure if it died or timed out without one). */
function runProcess<R>(args: readonly string[], timeoutMs: number): Promise<R | Failure> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 10_000);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as R);
        return;
      }
      const why = signal === null ? `exited with code ${code}` : `killed by ${signal}`;
      resolve({ ok: false, phase: 'run', error: `the child ${why} without a result: ${stderr.trim().split('\n').slice(-3).join(' / ')}` });
    });
  });
}

/** The profile of one run under `--cpu-prof` (its folder made), else undefined. */
function profileOf(scenario: string, name: string): ProfileTarget | undefined {
  if (!flags['cpu-prof']) return undefined;
  const profile = { dir: join(PROFILES, scenario), name };
  mkdirSync(profile.dir, { recursive: true });
  return profile;
}

/** The heap snapshots' path prefix of one memory run under `--heap-snapshot` (its folder made), else undefined. */
function snapshotPrefix(scenario: string, name: string): string | undefined {
  if (!flags['heap-snapshot']) return undefined;
  const dir = join(SNAPSHOTS, scenario);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Keeps a profiled run's measured window next to its profile (`<name>.window.json`), for `bench/profile-summary.ts`. */
function saveWindow(profile: ProfileTarget | undefined, result: { readonly ok: boolean; readonly windowUs?: readonly [number, number] }): void {
  if (profile !== undefined && result.ok) writeFileSync(join(profile.dir, `${profile.name}.window.json`), JSON.stringify(result.windowUs));
}

/** What every run of a proxy scenario is told (see `ProxyRunSpec`). */
function proxySpec(origin: string, streams: number, profile: ProfileTarget | undefined, left: number): ProxyRunSpec {
  return { origin, streams, warmup: WARMUP_DELTAS, ...(profile !== undefined && { profile }), timeoutMs: Math.min(SERVE_RUN_TIMEOUT_MS, left) };
}

/** Runs one proxy-scenario run, `node --expose-gc bench/<script> '<spec>'`, in its own process. */
async function runProxyRun<R extends { readonly ok: true; readonly windowUs: readonly [number, number] }>(
  script: string,
  spec: { readonly profile?: ProfileTarget; readonly timeoutMs: number },
): Promise<R | Failure> {
  const result = await runProcess<R>(['--expose-gc', join(BENCH, script), JSON.stringify(spec)], spec.timeoutMs);
  saveWindow(spec.profile, result);
  return result;
}

function selectClients(scenario: Scenario): ClientSpec[] {
  return allClients.filter(
    (c) => c.format === scenario.format && (c.reference || clientFilter === undefined || clientFilter.some((f) => c.id.includes(f))),
  );
}

function describeRun(result: RunResult): string {
  if (!result.ok) return `${result.phase === 'create' ? 'unavailable' : 'FAILED'}: ${result.error}`;
  const memory = result.heapPerStreamKB === undefined ? '' : `, heap/stream ${result.heapPerStreamKB.toFixed(1)} KB`;
  return `cpu ${result.cpuMs.toFixed(0)} ms, wall ${result.wallMs.toFixed(0)} ms${memory}`;
}

interface ScenarioOutcome {
  readonly records: ResultRecord[];
  /** A client failed or produced wrong text (not: an rxllm client whose source is missing). */
  readonly failed: boolean;
  /** Runs left out because the time budget ran out. */
  readonly skipped: number;
}

/** Runs every client of one scenario `reps` times, alternating the order, one child process per run. */
async function runScenario(scenario: Scenario, origin: string, deadline: number, unavailable: Map<string, string>): Promise<ScenarioOutcome> {
  const clients = selectClients(scenario);
  const results = new Map<string, RunResult[]>(clients.map((c) => [c.id, []]));
  let failed = false;
  let skipped = 0;
  log(`\n${scenario.title}`);
  for (let rep = 0; rep < scenario.reps; rep++) {
    const order = rep % 2 === 0 ? clients : [...clients].reverse();
    for (const client of order) {
      if (unavailable.has(client.id)) continue;
      const left = deadline - Date.now();
      if (left < 5_000) {
        skipped++;
        continue;
      }
      const profile = profileOf(scenario.id, `${client.id.replace('/', '-')}.${rep + 1}`);
      const { format, mode, n, count, memory } = scenario;
      const heapSnapshots = memory ? snapshotPrefix(scenario.id, `${client.id.replace('/', '-')}.${rep + 1}`) : undefined;
      const spec: RunSpec = {
        client: client.id,
        origin,
        format,
        mode,
        n,
        count,
        memory,
        warmup: WARMUP_DELTAS,
        timeoutMs: Math.min(CHILD_TIMEOUT_MS, left),
        ...(heapSnapshots !== undefined && { heapSnapshots }),
      };
      const result = await runChild(spec, profile);
      saveWindow(profile, result);
      if (!result.ok && result.phase === 'create') unavailable.set(client.id, result.error);
      if (!result.ok && (result.phase === 'run' || !client.rxllm)) failed = true;
      results.get(client.id)!.push(result);
      log(`  run ${rep + 1}/${scenario.reps} ${client.id}: ${describeRun(result)}`);
    }
  }
  return { records: summarize(scenario, clients, results, unavailable), failed, skipped };
}

/** The most a proxy-scenario run may take (a serve run takes about 10 s, a gateway run 8 s). */
const SERVE_RUN_TIMEOUT_MS = 60_000;

function describeServeRun(result: ServeRunResult): string {
  if (!result.ok) return `${result.phase === 'create' ? 'unavailable' : 'FAILED'}: ${result.error}`;
  const ms = (us: number) => (us / 1000).toFixed(2);
  const fast = Math.round(result.fastDeltas / result.fastServeWallMs);
  return (
    `through serve ${fast} k deltas/s, latency p50 ${ms(result.pacedServe.p50Us)} ms / p99 ${ms(result.pacedServe.p99Us)} ms ` +
    `(direct ${ms(result.pacedDirect.p50Us)} / ${ms(result.pacedDirect.p99Us)}), serve CPU ${result.fastServeCpuMs ?? '–'} + ${result.pacedServeCpuMs ?? '–'} ms`
  );
}

/** Runs the `rxllm serve` scenario `reps` times, each run its own serve and client processes, reading serve or the load server first by turns. */
async function runServeScenario(scenario: ServeScenario, origin: string, deadline: number): Promise<{ record: ServeRecord; failed: boolean; skipped: number }> {
  const results: ServeRunResult[] = [];
  let skipped = 0;
  log(`\n${scenario.title}`);
  for (let rep = 0; rep < scenario.reps; rep++) {
    const left = deadline - Date.now();
    if (left < 15_000) {
      skipped++;
      continue;
    }
    const profile = profileOf(scenario.id, `serve.${rep + 1}`);
    const { streams, fastDeltas, pacedDeltas } = scenario;
    const spec: ServeRunSpec = { ...proxySpec(origin, streams, profile, left), fastDeltas, pacedDeltas, serveFirst: rep % 2 === 1 };
    const result = await runProxyRun<ServeRunResult & { ok: true }>('serve-proxy.ts', spec);
    results.push(result);
    log(`  run ${rep + 1}/${scenario.reps} ${spec.serveFirst ? 'serve first' : 'direct first'}: ${describeServeRun(result)}`);
    if (!result.ok && result.phase === 'create') break;
  }
  return { record: summarizeServe(scenario, results), failed: results.some((r) => !r.ok && r.phase === 'run'), skipped };
}

function describeGatewayRun(result: GatewayRunResult): string {
  if (!result.ok) return `${result.phase === 'create' ? 'unavailable' : 'FAILED'}: ${result.error}`;
  const ms = (us: number) => (us / 1000).toFixed(2);
  const cpu = result.proxyCpuMs === undefined ? '–' : ((result.proxyCpuMs * 1000) / result.deltas).toFixed(1);
  return (
    `proxy CPU ${cpu} µs/delta, latency p50 ${ms(result.proxied.p50Us)} ms / p99 ${ms(result.proxied.p99Us)} ms ` +
    `(direct ${ms(result.direct.p50Us)} / ${ms(result.direct.p99Us)})`
  );
}

/** Runs the gateway scenario: `reps` runs of each proxy, alternating (gateway first, then pass-through first), each run its own proxy and client processes. */
async function runGatewayScenario(scenario: GatewayScenario, origin: string, deadline: number): Promise<{ record: GatewayRecord; failed: boolean; skipped: number }> {
  const results: GatewayRunResult[] = [];
  let skipped = 0;
  log(`\n${scenario.title}`);
  for (let rep = 0; rep < scenario.reps; rep++) {
    const order = rep % 2 === 0 ? (['gateway', 'passthrough'] as const) : (['passthrough', 'gateway'] as const);
    for (const proxy of order) {
      const left = deadline - Date.now();
      if (left < 15_000) {
        skipped++;
        continue;
      }
      const profile = profileOf(scenario.id, `${proxy}.${rep + 1}`);
      const spec: GatewayRunSpec = { ...proxySpec(origin, scenario.streams, profile, left), proxy, deltas: scenario.deltas, proxyFirst: rep % 2 === 1 };
      const result = await runProxyRun<GatewayRunResult & { ok: true }>('gateway-proxy.ts', spec);
      results.push(result);
      log(`  run ${rep + 1}/${scenario.reps} ${proxy}: ${describeGatewayRun(result)}`);
    }
  }
  return { record: summarizeGateway(scenario, results), failed: results.some((r) => !r.ok), skipped };
}

async function main(): Promise<number> {
  const started = Date.now();
  const deadline = started + BUDGET_MS;
  const loadBefore = loadavg()[0]!;
  const chosen = scenarios(flags.quick, reps).filter((s) => only === undefined || only.includes(s.id));
  const serve = only === undefined || only.includes(SERVE_SCENARIO_ID) ? serveScenario(flags.quick, reps) : undefined;
  const gateway = only === undefined || only.includes(GATEWAY_SCENARIO_ID) ? gatewayScenario(flags.quick, reps) : undefined;
  if (chosen.length === 0 && serve === undefined && gateway === undefined) {
    throw new Error(`--only matched no scenario; known: ${[...scenarios(false).map((s) => s.id), SERVE_SCENARIO_ID, GATEWAY_SCENARIO_ID].join(', ')}`);
  }
  const { server, origin } = await startServer();
  const unavailable = new Map<string, string>();
  const records: ResultRecord[] = [];
  let serveRecord: ServeRecord | undefined;
  let gatewayRecord: GatewayRecord | undefined;
  let failed = false;
  let skipped = 0;
  try {
    for (const scenario of chosen) {
      const outcome = await runScenario(scenario, origin, deadline, unavailable);
      records.push(...outcome.records);
      failed ||= outcome.failed;
      skipped += outcome.skipped;
    }
    if (serve !== undefined) {
      const outcome = await runServeScenario(serve, origin, deadline);
      serveRecord = outcome.record;
      failed ||= outcome.failed;
      skipped += outcome.skipped;
    }
    if (gateway !== undefined) {
      const outcome = await runGatewayScenario(gateway, origin, deadline);
      gatewayRecord = outcome.record;
      failed ||= outcome.failed;
      skipped += outcome.skipped;
    }
  } finally {
    server.stdin!.end();
    server.kill();
  }

  const info = machine(ROOT);
  const targetResults = evaluate(targets, records);
  const floorSplit = floorSplitTable(chosen, records);
  const date = new Date().toISOString();
  const kind = flags.quick ? 'quick run (--quick)' : partial ? 'partial run' : 'full run';
  const report = [
    `## ${date.slice(0, 16).replace('T', ' ')} UTC — ${kind}`,
    '',
    machineText(info),
    '',
    ...chosen.flatMap((s) => [table(s, records.filter((r) => r.scenario === s.id)), '']),
    ...(serve !== undefined && serveRecord !== undefined ? [serveTable(serve, serveRecord), ''] : []),
    ...(gateway !== undefined && gatewayRecord !== undefined ? [gatewayTable(gateway, gatewayRecord), ''] : []),
    ...(chosen.length > 0 ? [targetTable(targetResults), ''] : []),
    ...(floorSplit === '' ? [] : [floorSplit, '']),
    ...(todos.length > 0 ? [todoTable(todos), ''] : []),
    `Total time: ${((Date.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(2)} at the start, ` +
      `${loadavg()[0]!.toFixed(2)} at the end (the bench itself keeps up to 2 busy; more means other processes shared the cores).` +
      (skipped > 0 ? ` Time budget reached: ${skipped} run(s) skipped.` : ''),
  ].join('\n');
  process.stdout.write(`\n${report}\n`);

  if (!partial || flags.write) {
    mkdirSync(join(BENCH, 'results'), { recursive: true });
    const json = { date, kind, machine: info, scenarios: chosen, records, serve: serve && { scenario: serve, record: serveRecord }, gateway: gateway && { scenario: gateway, record: gatewayRecord }, targets: targetResults, todos };
    writeFileSync(join(BENCH, 'results', 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    appendResults(join(BENCH, 'RESULTS.md'), report);
    log('\nWrote bench/results/latest.json and bench/RESULTS.md.');
  } else {
    log('\nA quick or filtered run: results not written (pass --write to write them).');
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
