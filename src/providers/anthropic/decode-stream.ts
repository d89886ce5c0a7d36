/**
 * Anthropic Messages API → rxllm deltas. Pure: one wire event (with a little state per
 * response) in, deltas out through `out.next`; no SDK, no I/O.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink, FinishReason, MetadataDelta, UsageDelta } from '../../core/delta.ts';
import { parseJSON, type SseMapper } from '../../sources/read-sse.ts';
import { anthropicStreamError } from './errors.ts';

const PROVIDER = 'anthropic';

/**
 * Normalizes Anthropic's `stop_reason`: `end_turn` / `stop_sequence` → `stop`, `max_tokens` and
 * `model_context_window_exceeded` → `length` (as the Vercel AI SDK), `tool_use` → `tool-calls`,
 * `refusal` → `content-filter`, `pause_turn` (a server tool's long turn paused; send the
 * response back to continue) and anything else → `other`. The raw value is kept by the caller.
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
export function mapAnthropicStopReason(raw: string): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** The usage fields Anthropic sends in `message_start`, `message_delta` and a `Message`. */
export interface AnthropicUsageLike {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly output_tokens_details?: { readonly thinking_tokens?: number | null } | null;
}

/**
 * Anthropic usage → a `usage` delta, or `undefined` when it has no count we map.
 *
 * Anthropic's `input_tokens` counts only the prompt tokens after the last cache breakpoint, so
 * `inputTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens` (the whole
 * prompt, as rxllm's `Usage` defines it) and `cachedInputTokens = cache_read_input_tokens` (a
 * part of it). Cache writes count as input, not as cached. `outputTokens = output_tokens`
 * (thinking included); `reasoningTokens = output_tokens_details.thinking_tokens` when sent.
 * With `output: false` (for `message_start`, whose `output_tokens` is a placeholder) only the
 * input counts are mapped.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function anthropicUsage(u: AnthropicUsageLike, output: boolean): UsageDelta | undefined {
  const usage: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  let any = false;
  if (typeof u.input_tokens === 'number') {
    const read = u.cache_read_input_tokens ?? 0;
    usage.inputTokens = u.input_tokens + read + (u.cache_creation_input_tokens ?? 0);
    if (typeof u.cache_read_input_tokens === 'number') usage.cachedInputTokens = read;
    any = true;
  }
  if (output) {
    if (typeof u.output_tokens === 'number') {
      usage.outputTokens = u.output_tokens;
      any = true;
    }
    const thinking = u.output_tokens_details?.thinking_tokens;
    if (typeof thinking === 'number') {
      usage.reasoningTokens = thinking;
      any = true;
    }
  }
  return any ? usage : undefined;
}

/**
 * Maps the Messages API's stream events to deltas, one event at a time, synchronously.
 *
 * - `message_start` → `metadata` (`anthropic`, message id, model) and the input `usage`;
 * - `content_block_start`: `tool_use` → `tool-call-start` whose `index` counts tool calls in
 *   this response (0, 1, …), not content blocks; `redacted_thinking` → a `reasoning` delta with
 *   `redacted: true` and the opaque `data` as text; `text` / `thinking` blocks open silently
 *   (their text arrives as deltas). Server tools (`server_tool_use`, `*_tool_result`) run on
 *   Anthropic's side and are not mapped to tool calls: the caller has nothing to run.
 * - `text_delta` → `text`; `thinking_delta` → `reasoning`; `input_json_delta` → `tool-call-delta`
 *   (empty `partial_json` skipped); `signature_delta` → a `reasoning` delta with the `signature`
 *   and **empty text**: the rule of every rxllm source for signatures (see `ReasoningDelta`),
 *   since the signature must reach a caller who sends the thinking block back, and holding back
 *   the last thinking fragment to carry it would delay that text. `citations_delta` is not mapped.
 * - `content_block_stop` of a tool call → `tool-call-end`;
 * - `message_delta` → `tool-call-end` for every call still open (a `max_tokens` stop leaves the
 *   cut-off call without its `content_block_stop`: it ends here, and `accumulate()` keeps its
 *   unparsable `argsText` and sets `argsError`), then output `usage`, then `finish`
 *   ({@link mapAnthropicStopReason}, raw kept);
 * - `message_stop` is the terminal event (`done`); `ping` and unknown events are ignored;
 *   `error` throws {@link anthropicStreamError}.
 */
export class AnthropicEventMapper implements SseMapper {
  /** True once `message_stop` was handled. */
  done = false;
  private readonly out: DeltaSink;
  /** Per content block index: the tool call index while that block is an open tool call, else -1. */
  private readonly openCalls: number[] = [];
  private callCount = 0;
  private finished = false;

  constructor(out: DeltaSink) {
    this.out = out;
  }

  /** Parses one SSE event (one `JSON.parse`; Anthropic's trailing-space padding is valid JSON) and maps it. */
  onEvent(event: EventSourceMessage): void {
    if (event.event === 'ping') return;
    if (event.event === 'error') throw anthropicStreamError(errorBody(event.data));
    this.map(parseJSON(event.data, PROVIDER));
  }

  /** Maps one parsed stream event (`{ type: 'content_block_delta', … }`). */
  map(event: any): void {
    switch (event.type) {
      case 'content_block_delta':
        this.blockDelta(event.index, event.delta);
        return;
      case 'content_block_start':
        this.blockStart(event.index, event.content_block);
        return;
      case 'content_block_stop':
        this.blockStop(event.index);
        return;
      case 'message_start': {
        const message = event.message ?? {};
        this.out.next(metadataOf(message));
        const usage = message.usage ? anthropicUsage(message.usage, false) : undefined;
        if (usage) this.out.next(usage);
        return;
      }
      case 'message_delta': {
        this.endOpenCalls();
        const usage = event.usage ? anthropicUsage(event.usage, true) : undefined;
        if (usage) this.out.next(usage);
        const raw = event.delta?.stop_reason;
        if (typeof raw === 'string') this.finish(raw);
        return;
      }
      case 'message_stop':
        this.endOpenCalls();
        if (!this.finished) this.finish(undefined);
        this.done = true;
        return;
      case 'error':
        throw anthropicStreamError(event);
      default:
        return; // ping, and event types Anthropic may add (its versioning policy allows new ones)
    }
  }

  private blockDelta(index: number, delta: any): void {
    switch (delta.type) {
      case 'text_delta':
        if (delta.text) this.out.next({ type: 'text', text: delta.text });
        return;
      case 'input_json_delta': {
        const call = this.openCalls[index];
        if (call !== undefined && call >= 0 && delta.partial_json) {
          this.out.next({ type: 'tool-call-delta', index: call, argsText: delta.partial_json });
        }
        return;
      }
      case 'thinking_delta':
        if (delta.thinking) this.out.next({ type: 'reasoning', text: delta.thinking });
        return;
      case 'signature_delta':
        if (delta.signature) this.out.next({ type: 'reasoning', text: '', signature: delta.signature });
        return;
      default:
        return; // citations_delta and later delta types
    }
  }

  private blockStart(index: number, block: any): void {
    let call = -1;
    switch (block?.type) {
      case 'tool_use':
        call = this.callCount++;
        this.out.next({ type: 'tool-call-start', index: call, id: block.id, name: block.name });
        break;
      case 'text':
        if (block.text) this.out.next({ type: 'text', text: block.text });
        break;
      case 'thinking':
        if (block.thinking) this.out.next({ type: 'reasoning', text: block.thinking });
        break;
      case 'redacted_thinking':
        if (block.data) this.out.next({ type: 'reasoning', text: block.data, redacted: true });
        break;
      default:
        break; // server tool blocks and later block types
    }
    while (this.openCalls.length < index) this.openCalls.push(-1);
    this.openCalls[index] = call;
  }

  private blockStop(index: number): void {
    const call = this.openCalls[index];
    if (call !== undefined && call >= 0) {
      this.openCalls[index] = -1;
      this.out.next({ type: 'tool-call-end', index: call });
    }
  }

  private endOpenCalls(): void {
    for (let i = 0; i < this.openCalls.length; i++) this.blockStop(i);
  }

  private finish(raw: string | undefined): void {
    this.finished = true;
    this.out.next(raw === undefined ? { type: 'finish', reason: 'other' } : { type: 'finish', reason: mapAnthropicStopReason(raw), raw });
  }
}

/** The `metadata` delta of a message: its `id` and `model`, each only when the message has it. */
function metadataOf(message: { id?: unknown; model?: unknown }): MetadataDelta {
  const metadata: { -readonly [K in keyof MetadataDelta]: MetadataDelta[K] } = { type: 'metadata', provider: PROVIDER };
  if (typeof message.id === 'string') metadata.id = message.id;
  if (typeof message.model === 'string') metadata.model = message.model;
  return metadata;
}

/** An `event: error` payload; text that is not JSON becomes the message (the error must not turn into a parse error). */
function errorBody(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { type: 'error', error: { message: data } };
  }
}

/**
 * Maps a non-streaming `Message` (`stream: false`) to the deltas its stream would have carried:
 * `metadata`, then per content block `text`, `reasoning` (a thinking block's text, then its
 * signature in a delta of its own with empty text, as streamed; `redacted_thinking` with
 * `redacted: true`), or a tool call's start, its whole
 * `input` as one `JSON.stringify`d `tool-call-delta`, and end; then `usage` and `finish`.
 * A tool call's `argsText` is therefore compact JSON, not the streamed text's spacing.
 */
export function mapAnthropicMessage(message: any, out: DeltaSink): void {
  out.next(metadataOf(message));
  let calls = 0;
  for (const block of message.content ?? []) {
    switch (block.type) {
      case 'text':
        if (block.text) out.next({ type: 'text', text: block.text });
        break;
      case 'thinking':
        if (block.thinking) out.next({ type: 'reasoning', text: block.thinking });
        if (block.signature) out.next({ type: 'reasoning', text: '', signature: block.signature });
        break;
      case 'redacted_thinking':
        if (block.data) out.next({ type: 'reasoning', text: block.data, redacted: true });
        break;
      case 'tool_use': {
        const index = calls++;
        out.next({ type: 'tool-call-start', index, id: block.id, name: block.name });
        const argsText = JSON.stringify(block.input ?? {});
        out.next({ type: 'tool-call-delta', index, argsText });
        out.next({ type: 'tool-call-end', index });
        break;
      }
      default:
        break; // server tool blocks, as in the stream
    }
  }
  const usage = message.usage ? anthropicUsage(message.usage, true) : undefined;
  if (usage) out.next(usage);
  const raw = message.stop_reason;
  out.next(typeof raw === 'string' ? { type: 'finish', reason: mapAnthropicStopReason(raw), raw } : { type: 'finish', reason: 'other' });
}
