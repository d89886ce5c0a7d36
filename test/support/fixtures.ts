/**
 * Loads the recorded provider streams in test/fixtures (copied from ../shared/fixtures; see its
 * README for sources and format) as replay-server inputs, with `index.json`'s expectations.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Reply } from '../../src/replay/server.ts';
import { splitBody, type WireEvent, type WireFormat } from '../../src/replay/wire.ts';

const root = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What a correct client reconstructs from a case (index.json `expect`). */
export interface FixtureExpect {
  readonly text: string;
  readonly reasoning: string;
  readonly toolCalls: readonly { readonly id?: string; readonly name: string; readonly arguments: string }[];
  /** The provider's raw finish value (`stop`, `end_turn`, `STOP`, `completed`, …) or null. */
  readonly finishReason: string | null;
  /** The provider's error code/type for error cases, else null. */
  readonly error: string | null;
  readonly choiceTexts?: readonly string[];
  readonly signatures?: number;
  readonly redactedReasoning?: number;
}

/** One recorded case. */
export interface FixtureCase {
  /** `folder/case`, e.g. `openai-chat/text`. */
  readonly id: string;
  readonly folder: string;
  readonly format: WireFormat;
  readonly model: string;
  /** One wire event per `.jsonl` line. */
  readonly events: WireEvent[];
  /** The byte-exact body split at event boundaries, when the source kept the bytes. */
  readonly parts: Uint8Array[] | undefined;
  readonly expect: FixtureExpect;
}

const formats: Record<string, WireFormat> = {
  'openai-chat': 'openai-chat',
  'openai-compatible': 'openai-chat',
  'openai-responses': 'openai-responses',
  anthropic: 'anthropic',
  gemini: 'gemini',
  bedrock: 'bedrock',
};

interface IndexEntry {
  id: string;
  provider: string;
  case: string;
  model: string;
  expect: FixtureExpect;
}
const index = JSON.parse(readFileSync(root + 'index.json', 'utf8')) as { cases: IndexEntry[] };

/** Loads one case by id (`openai-chat/text`). */
export function loadCase(id: string): FixtureCase {
  const entry = index.cases.find((c) => c.id === id);
  if (!entry) throw new Error(`no fixture case ${id} in test/fixtures/index.json`);
  const format = formats[entry.provider]!;
  const events = readFileSync(`${root}${id}.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as WireEvent);
  const rawPath = `${root}${id}.${format === 'bedrock' ? 'eventstream' : 'sse'}`;
  const parts = existsSync(rawPath) ? splitBody(format, new Uint8Array(readFileSync(rawPath))) : undefined;
  return { id, folder: entry.provider, format, model: entry.model, events, parts, expect: entry.expect };
}

/** Every case, or those of the given fixture folders (`openai-chat`, `openai-compatible`, …). */
export function listCases(...folders: string[]): FixtureCase[] {
  return index.cases.filter((c) => folders.length === 0 || folders.includes(c.provider)).map((c) => loadCase(c.id));
}

/** The stream reply of `c`: its byte-exact parts when recorded, else its events; with a fault, chunking, pace if given. */
export function streamReply(c: FixtureCase, extra: Partial<Extract<Reply, { format: unknown }>> = {}): Reply {
  return c.parts ? { format: c.format, parts: c.parts, ...extra } : { format: c.format, events: c.events, ...extra };
}
