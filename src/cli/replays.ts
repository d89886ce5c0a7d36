/**
 * The `rxllm` CLI's embedded replays: recorded real provider streams (the `replay/` folder at the
 * package root, see its README for sources) served over loopback at a realistic pace.
 * @internal
 */
import { readFile } from 'node:fs/promises';
import type { ReplayServer } from '../replay/server.ts';
import type { WireEvent, WireFormat } from '../replay/wire.ts';
import { CliError } from './cli-error.ts';
import { parseReplayFault, type ReplayFaultSpec } from './serve/replay-fault.ts';
import type { ProviderName } from './providers.ts';

/** One recorded stream the CLI can replay. */
export interface ReplayEntry {
  /** What `--replay` takes, and the file `replay/<name>.jsonl`. */
  readonly name: string;
  /** The rxllm source (and official SDK) that consumes it. */
  readonly provider: ProviderName;
  readonly format: WireFormat;
  /** The model that answered in the recording. */
  readonly model: string;
  /** One line about what the stream shows. */
  readonly about: string;
  /** The question the recorded answer answers (the recording's user message). */
  readonly question: string;
  /** Pause before the response starts, in ms at speed 1 (the recording keeps no timing). */
  readonly firstMs: number;
  /** Pause between events, in ms at speed 1. */
  readonly eventMs: number;
}

/**
 * The replays, default first. Paces are typical of each model: small chunks at about 60 chunks/s
 * for OpenAI, slower for a reasoning model, whole sentences per chunk for Gemini.
 */
export const replays: readonly ReplayEntry[] = [
  { name: 'openai-text', provider: 'openai', format: 'openai-chat', model: 'gpt-4o-2024-08-06', about: 'plain text answer with usage (Chat Completions)', question: "What's the weather like in SF?", firstMs: 350, eventMs: 16 },
  { name: 'openai-tool-call', provider: 'openai', format: 'openai-chat', model: 'gpt-4o-2024-08-06', about: 'one tool call, arguments streamed in 14 fragments', question: "What's the weather like in Edinburgh?", firstMs: 350, eventMs: 16 },
  { name: 'deepseek-reasoning', provider: 'openai', format: 'openai-chat', model: 'deepseek-reasoner', about: 'DeepSeek reasoning_content, then the answer (OpenAI-compatible)', question: 'Hello', firstMs: 600, eventMs: 25 },
  { name: 'anthropic-thinking', provider: 'anthropic', format: 'anthropic', model: 'claude-sonnet-4-20250514', about: 'extended thinking with a signature, then text', question: 'How do I cross the street?', firstMs: 500, eventMs: 30 },
  { name: 'gemini-thought', provider: 'google', format: 'gemini', model: 'gemini-2.5-pro', about: 'thought summaries (includeThoughts), then the answer', question: 'How do I cross the street?', firstMs: 800, eventMs: 180 },
  { name: 'bedrock-reasoning', provider: 'bedrock', format: 'bedrock', model: 'us.anthropic.claude-sonnet-4-20250514-v1:0', about: 'ConverseStream reasoningContent with a signature, then text', question: 'Hello', firstMs: 500, eventMs: 40 },
];

/** The default `--replay`. */
export const defaultReplay = 'openai-text';

/** Every replay name, in catalog order. */
export const replayNames: readonly string[] = replays.map((r) => r.name);

/** The entry named `name`, or `undefined`. */
export function findReplay(name: string): ReplayEntry | undefined {
  return replays.find((r) => r.name === name);
}

/** The `--replay list` text: one line per replay. */
export function listReplays(): string {
  const width = Math.max(...replayNames.map((n) => n.length));
  return replays.map((r) => `${r.name.padEnd(width)}  ${r.provider.padEnd(9)}  ${r.model}: ${r.about}`).join('\n') + '\n';
}

/** Faults a replay applies: to every answer, and per request through a header. */
export interface ReplayFaults {
  /** Applied to every answer (`--fault`). */
  readonly fault?: ReplayFaultSpec | undefined;
  /** A request header holding a fault spec for that request (`x-rxllm-fault`); it wins over `fault`. */
  readonly header?: string | undefined;
  /** Keep every request the replay received (`ReplayServer.requests`), for tests; off in the CLI. */
  readonly record?: boolean;
}

/**
 * Starts a loopback replay server (127.0.0.1, free port) that answers the entry's route with its
 * recorded events, paced by `speed` (1 realistic, 2 twice as fast, 0 no pauses), with `faults`.
 * A request on another route gets 404. Throws `CliError` when the recording cannot be read from `dir`.
 */
export async function startReplay(entry: ReplayEntry, dir: string, speed: number, faults: ReplayFaults = {}): Promise<ReplayServer> {
  const events = await readEvents(`${dir}/${entry.name}.jsonl`);
  const { startReplayServer } = await import('../replay/server.ts');
  const { formatOfPath } = await import('../replay/wire.ts');
  const firstMs = speed === 0 ? 0 : entry.firstMs / speed;
  const delayMs = speed === 0 ? 0 : entry.eventMs / speed;
  return startReplayServer(async (request) => {
    if (formatOfPath(request.path.split('?')[0]!)?.format !== entry.format) return undefined;
    const header = faults.header === undefined ? undefined : request.headers[faults.header];
    let spec = faults.fault ?? {};
    if (typeof header === 'string') {
      try {
        spec = parseReplayFault(header);
      } catch {
        /* the gateway checked it; keep the server's own */
      }
    }
    const first = spec.firstMs ?? firstMs;
    if (first > 0) await new Promise((resolve) => setTimeout(resolve, first));
    return { format: entry.format, events, delayMs: spec.delayMs ?? delayMs, ...(spec.fault === undefined ? {} : { fault: spec.fault }) };
  }, { record: faults.record === true });
}

async function readEvents(path: string): Promise<WireEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`the recorded stream ${path} cannot be read (${(err as Error).message}); the package's replay/ folder is incomplete.`);
  }
  const events: WireEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() !== '') events.push(JSON.parse(line) as WireEvent);
  }
  return events;
}
