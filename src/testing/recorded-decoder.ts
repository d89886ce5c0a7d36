/**
 * A recorded wire event → deltas, through the provider's real decoder: the one table from a
 * recording's format to its stream mapper, for {@link replayFixture}. @internal
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink } from '../core/delta.ts';
import { AnthropicEventMapper } from '../providers/anthropic/decode-stream.ts';
import { ConverseStreamMapper, metadataDelta } from '../providers/bedrock/decode-stream.ts';
import { GeminiChunkMapper } from '../providers/google/decode-stream.ts';
import { ChatStreamMapper, CHAT_PROVIDER, CHAT_TERMINAL } from '../providers/openai/decode-stream.ts';
import { RESPONSES_PROVIDER, RESPONSES_TERMINAL, ResponsesStreamMapper } from '../providers/openai-responses/decode-stream.ts';

/** The wire formats of recordings: what `rxllm chat --replay list` and test/fixtures hold. */
export type RecordingFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock';

/** One recorded wire event, one `.jsonl` line: an SSE event `{ event?, data }` or a Bedrock frame `{ type: payload }`. */
export type RecordedEvent = { readonly event?: string; readonly data?: unknown } | Readonly<Record<string, unknown>>;

/** The decoder of one recording: feeds events, says when the provider's terminal event came. @internal */
export interface RecordedDecoder {
  feed(event: RecordedEvent): void;
  readonly done: boolean;
  readonly provider: string;
  readonly terminal: string;
}

/** A fresh decoder (one per subscription) of `format` writing into `out`. @internal */
export function recordedDecoder(format: RecordingFormat, out: DeltaSink, model: string | undefined): RecordedDecoder {
  switch (format) {
    case 'openai-chat':
      return sse(new ChatStreamMapper(out), CHAT_PROVIDER, CHAT_TERMINAL);
    case 'openai-responses':
      return sse(new ResponsesStreamMapper(out), RESPONSES_PROVIDER, RESPONSES_TERMINAL);
    case 'anthropic':
      return sse(new AnthropicEventMapper(out), 'anthropic', 'message_stop');
    case 'gemini': {
      const mapper = new GeminiChunkMapper(out);
      return {
        feed: (event) => mapper.map(JSON.parse(dataOf(event))),
        get done() {
          return mapper.done;
        },
        provider: 'google',
        terminal: 'a chunk with a finishReason',
      };
    }
    case 'bedrock': {
      const mapper = new ConverseStreamMapper(out, metadataDelta(model, undefined));
      return {
        feed: (event) => mapper.onEvent(event as never),
        get done() {
          return mapper.done;
        },
        provider: 'bedrock',
        terminal: 'messageStop and metadata',
      };
    }
  }
}

/** The format of a recording, told from its first events (`undefined` when none matches). @internal */
export function detectFormat(events: readonly RecordedEvent[]): RecordingFormat | undefined {
  for (const event of events.slice(0, 5)) {
    if (!('data' in event)) {
      const key = Object.keys(event)[0];
      if (key === 'messageStart' || key === 'contentBlockDelta' || key === 'contentBlockStart' || key === 'metadata') return 'bedrock';
      continue;
    }
    const data = typeof event.data === 'string' ? tryJSON(event.data) : event.data;
    if (data === null || typeof data !== 'object') continue;
    const d = data as Record<string, unknown>;
    if (d.object === 'chat.completion.chunk') return 'openai-chat';
    if (typeof d.type === 'string' && d.type.startsWith('response.')) return 'openai-responses';
    if (typeof d.type === 'string' && (d.type.startsWith('message_') || d.type.startsWith('content_block_') || d.type === 'ping')) return 'anthropic';
    if ('candidates' in d || 'usageMetadata' in d || 'promptFeedback' in d) return 'gemini';
  }
  return undefined;
}

function sse(mapper: { onEvent(e: EventSourceMessage): void; readonly done: boolean }, provider: string, terminal: string): RecordedDecoder {
  return {
    feed: (event) => {
      const e = event as { event?: string; id?: string };
      mapper.onEvent({ event: e.event, id: e.id, data: dataOf(event) });
    },
    get done() {
      return mapper.done;
    },
    provider,
    terminal,
  };
}

function dataOf(event: RecordedEvent): string {
  const data = (event as { data?: unknown }).data;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

function tryJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
