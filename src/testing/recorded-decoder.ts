/**
 * A recorded wire event → deltas, through the provider's real decoder: the one table from a
 * recording's format to its stream mapper, for {@link replayFixture}. @internal
 * @module
 */
import type { DeltaSink } from '../core/delta.ts';
import { replayCodecs } from '../providers/replay-codecs.ts';
import type { RecordedDecoder } from '../sources/provider-adapter.ts';

/** The wire formats of recordings: what `rxllm chat --replay list` and test/fixtures hold. */
export type RecordingFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock';

/** One recorded wire event, one `.jsonl` line: an SSE event `{ event?, data }` or a Bedrock frame `{ type: payload }`. */
export type RecordedEvent = { readonly event?: string; readonly data?: unknown } | Readonly<Record<string, unknown>>;

export type { RecordedDecoder };

/** A fresh decoder (one per subscription) of `format` writing into `out`: the provider's replay codec's. @internal */
export function recordedDecoder(format: RecordingFormat, out: DeltaSink, model: string | undefined): RecordedDecoder {
  const codec = replayCodecs.find((c) => c.format === format);
  if (codec === undefined) throw new TypeError(`no provider decodes the recording format '${format}'.`);
  return codec.decoder(out, model);
}

/** The format of a recording, told from its first events by the providers' codecs (`undefined` when none matches). @internal */
export function detectFormat(events: readonly RecordedEvent[]): RecordingFormat | undefined {
  for (const event of events.slice(0, 5)) {
    const raw = (event as { data?: unknown }).data;
    const data = typeof raw === 'string' ? tryJSON(raw) : raw;
    for (const codec of replayCodecs) {
      if (codec.recognizes(event as never, data)) return codec.format as RecordingFormat;
    }
  }
  return undefined;
}

function tryJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
