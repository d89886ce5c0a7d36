/**
 * Summarizes V8 CPU profiles written by `node bench/run.ts --cpu-prof`: where the measured
 * window's CPU time went: self time by file or package and by function, and total time (self +
 * callees) by function.
 *
 * Run: `node bench/profile-summary.ts <file.cpuprofile>... [--top N] [--whole]`. Samples outside
 * the run's measured window (read from `<name>.window.json` next to the profile) are left out
 * unless `--whole`. Several files are summed (e.g. the runs of one client).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values: flags, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, whole: { type: 'boolean', default: false } },
});
if (files.length === 0) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile>... [--top N] [--whole]');
const top = Number(flags.top);

/** Where a frame lives: a package name, an rxllm source path, node internals, or V8's own categories. */
function place(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  const bench = url.indexOf('/bench/');
  return bench !== -1 ? url.slice(bench + 1) : url;
}

function frameKey({ functionName, url, lineNumber }: CallFrame): string {
  return `${functionName || '(anonymous)'}  ${url === '' ? '' : `${place(url, functionName)}:${lineNumber + 1}`}`;
}

const selfByFunction = new Map<string, number>();
const totalByFunction = new Map<string, number>();
const selfByPlace = new Map<string, number>();
let total = 0;

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const windowFile = file.replace(/\.cpuprofile$/, '.window.json');
  const window = !flags.whole && existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, 'utf8')) as [number, number]) : undefined;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i]!;
    // a sample's duration is the gap to the next sample
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (window !== undefined && (time < window[0] || time > window[1])) continue;
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    const where = place(url, functionName);
    const key = frameKey(node.callFrame);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + duration);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) onStack.add(frameKey(byId.get(id)!.callFrame));
    for (const frame of onStack) totalByFunction.set(frame, (totalByFunction.get(frame) ?? 0) + duration);
    selfByPlace.set(where, (selfByPlace.get(where) ?? 0) + duration);
    total += duration;
  }
}

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title}`);
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
};

console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms of samples (idle excluded)${flags.whole ? '' : ' in the measured window'}`);
print('Self time by file or package', selfByPlace);
print('Self time by function', selfByFunction);
print('Total time (self + callees) by function', totalByFunction);
