import type { Observable } from 'rxjs';
import type { Snapshot } from '../../src/core/delta.ts';
import type { Format } from '../wire.ts';

/** One stream's counters, updated as the client reads: the same one store per text delta in every client. */
export interface Progress {
  /** Characters of text rebuilt so far. */
  chars: number;
  /** Network reads seen (only clients that see them count: the floor). */
  reads: number;
}

/** Makes one streaming request and resolves with the full text it rebuilt. */
export type StreamClient = (progress: Progress) => Promise<string>;

/** One benchmarked client: how to build it for a base URL (its library is imported only then). */
export interface ClientSpec {
  /** Stable id used in results, e.g. `openai/raw-sdk`. */
  readonly id: string;
  /** Table label. */
  readonly label: string;
  readonly format: Format;
  /** True for the raw SDK loop that ratios are taken against. */
  readonly reference?: boolean;
  /** True for rxllm's own clients (reported as "not available yet" while their sources are missing). */
  readonly rxllm?: boolean;
  /** `url` is the server origin plus the stream path (no trailing slash, no `/v1`). */
  create(url: string): Promise<StreamClient>;
}

/** What every OpenAI-format client asks for. */
export const OPENAI_MODEL = 'gpt-4.1-nano';
/** What every Anthropic-format client asks for. */
export const ANTHROPIC_MODEL = 'claude-haiku-4-5';
export const PROMPT = 'Write a long story.';
export const API_KEY = 'bench-key';

/** Throws when a module does not (yet) export the functions a client needs: a `create`-phase failure. */
export function requireExports(from: string, exports: Record<string, unknown>): void {
  const missing = Object.keys(exports).filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new Error(`${from} does not export ${missing.join(', ')} yet`);
}

/** eventsource-parser's `createParser`, imported by each floor client inside its `create`. */
export type CreateParser = typeof import('eventsource-parser').createParser;

/** Reads a body into an SSE parser, one `feed` per network read (counted in `progress.reads`). */
export async function readBody(body: ReadableStream<Uint8Array>, feed: (chunk: string) => void, progress: Progress): Promise<void> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    progress.reads++;
    feed(decoder.decode(value, { stream: true }));
  }
  feed(decoder.decode());
}

/** Subscribes to an rxllm snapshot stream; resolves with the final text, counting characters in `progress`. */
export function finalText(snapshots: Observable<Snapshot>, progress: Progress): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let text = '';
    snapshots.subscribe({
      next(snapshot) {
        text = snapshot.text;
        progress.chars = text.length;
      },
      error: reject,
      complete: () => resolve(text),
    });
  });
}

