/**
 * Reading a recording from disk (Node only, loaded at call time so `rxllm/testing` stays
 * browser-safe). @internal
 * @module
 */
import { RxllmError } from '../core/errors.ts';
import type { RecordedEvent } from './recorded-decoder.ts';

interface NodeFs {
  readFileSync(path: string, encoding: 'utf8'): string;
  existsSync(path: string): boolean;
}
interface NodeModule {
  createRequire(from: string): { resolve(id: string): string };
}
type GetBuiltin = (id: string) => unknown;

/**
 * The events of a recording: a bundled one by name (`openai-text`: the package's
 * `replay/<name>.jsonl`, as `rxllm chat --replay list` lists them) or a `.jsonl` file by path,
 * one wire event per line.
 * @throws RxllmError outside Node, or when the file cannot be read or a line is not JSON.
 * @internal
 */
export function loadRecording(recording: string): RecordedEvent[] {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: GetBuiltin; cwd?: () => string } }).process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') {
    throw new RxllmError(`replayFixture('${recording}'): reading a recording by name or path needs Node 22.3+; in a browser, pass the events: replayFixture({ events }).`);
  }
  const fs = getBuiltin('node:fs') as NodeFs;
  const path = isPath(recording) ? recording : bundledPath(recording, getBuiltin, fs);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new RxllmError(`replayFixture: the recording ${path} cannot be read (${(error as Error).message}).`, { cause: error });
  }
  const events: RecordedEvent[] = [];
  text.split('\n').forEach((line, at) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RecordedEvent);
    } catch (error) {
      throw new RxllmError(`replayFixture: line ${at + 1} of ${path} is not JSON (${(error as Error).message}); a recording has one wire event per line.`, { cause: error });
    }
  });
  return events;
}

function isPath(recording: string): boolean {
  return recording.includes('/') || recording.includes('\\') || recording.endsWith('.jsonl');
}

/** `replay/<name>.jsonl` of the installed rxllm package (in this repository: its root). */
function bundledPath(name: string, getBuiltin: GetBuiltin, fs: NodeFs): string {
  const { createRequire } = getBuiltin('node:module') as NodeModule;
  const cwd = (globalThis as { process: { cwd(): string } }).process.cwd();
  let root: string;
  try {
    root = createRequire(`${cwd}/`).resolve('rxllm/package.json').replace(/package\.json$/, '');
  } catch (error) {
    throw new RxllmError(`replayFixture('${name}'): the rxllm package cannot be found from ${cwd} to read its bundled recordings; pass a path to a .jsonl recording instead.`, { cause: error });
  }
  const path = `${root}replay/${name}.jsonl`;
  if (!fs.existsSync(path)) {
    throw new RxllmError(`replayFixture: there is no bundled recording '${name}' (${path}); \`rxllm chat --replay list\` lists them, or pass a path to a .jsonl recording.`);
  }
  return path;
}
