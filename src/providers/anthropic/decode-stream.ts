/**
 * Anthropic Messages API → rxllm deltas. Pure: one wire event (with a little state per
 * response) in, deltas out through the delta writer; no SDK, no I/O.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink } from '../../core/delta.ts';
import { checkKey, DeltaWriter } from '../../core/delta-writer.ts';
import { parseJSON, type SseMapper } from '../../sources/read-sse.ts';
import { anthropicStreamError } from './errors.ts';
import { mapAnthropicStopReason } from './finish-reason.ts';
import { anthropicUsage } from './usage.ts';
import { ANTHROPIC_PROVIDER, type AnthropicBlockDeltaWire, type AnthropicBlockWire, type AnthropicEventWire } from './wire.ts';

export { mapAnthropicStopReason } from './finish-reason.ts';
export { anthropicUsage } from './usage.ts';
export { mapAnthropicMessage } from './decode-response.ts';
export type { AnthropicUsageLike } from './wire.ts';

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
 *   ({@link mapAnthropicStopReason}, raw kept); a second `message_delta` adds its usage only;
 * - `message_stop` is the terminal event (`done`); `ping` and unknown events are ignored;
 *   `error` throws {@link anthropicStreamError};
 * - a content block `index` outside 0…`MAX_WIRE_INDEX` throws `MalformedChunkError`.
 */
export class AnthropicEventMapper implements SseMapper {
  /** True once `message_stop` was handled. */
  done = false;
  private readonly w: DeltaWriter;

  constructor(out: DeltaSink) {
    this.w = new DeltaWriter(out, ANTHROPIC_PROVIDER);
  }

  /** Parses one SSE event (one `JSON.parse`; Anthropic's trailing-space padding is valid JSON) and maps it. */
  onEvent(event: EventSourceMessage): void {
    if (event.event === 'ping') return;
    if (event.event === 'error') throw anthropicStreamError(errorBody(event.data));
    this.map(parseJSON(event.data, ANTHROPIC_PROVIDER) as AnthropicEventWire);
  }

  /** Maps one parsed stream event (`{ type: 'content_block_delta', … }`). */
  map(event: AnthropicEventWire): void {
    const w = this.w;
    switch (event.type) {
      case 'content_block_delta':
        if (event.delta != null) this.blockDelta(event.index as number, event.delta);
        return;
      case 'content_block_start':
        this.blockStart(checkKey(event.index as number, ANTHROPIC_PROVIDER), event.content_block);
        return;
      case 'content_block_stop':
        w.endCall(event.index as number);
        return;
      case 'message_start': {
        const message = event.message ?? {};
        w.metadata(message.id, message.model);
        w.usage(message.usage ? anthropicUsage(message.usage, false) : undefined);
        return;
      }
      case 'message_delta': {
        w.endOpenCalls();
        w.usage(event.usage ? anthropicUsage(event.usage, true) : undefined);
        const raw = event.delta?.stop_reason;
        if (typeof raw === 'string') w.finish(mapAnthropicStopReason(raw), raw);
        return;
      }
      case 'message_stop':
        w.finish('other');
        this.done = true;
        return;
      case 'error':
        throw anthropicStreamError(event);
      default:
        return; // ping, and event types Anthropic may add (its versioning policy allows new ones)
    }
  }

  private blockDelta(index: number, delta: AnthropicBlockDeltaWire): void {
    const w = this.w;
    switch (delta.type) {
      case 'text_delta':
        w.text(delta.text);
        return;
      case 'input_json_delta':
        if (w.hasCall(index)) w.callArgs(index, delta.partial_json);
        return;
      case 'thinking_delta':
        w.reasoning(delta.thinking);
        return;
      case 'signature_delta':
        w.signature(delta.signature);
        return;
      default:
        return; // citations_delta and later delta types
    }
  }

  private blockStart(index: number, block: AnthropicBlockWire | null | undefined): void {
    const w = this.w;
    switch (block?.type) {
      case 'tool_use':
        w.startCall(index, block.id, block.name);
        return;
      case 'text':
        w.text(block.text);
        break;
      case 'thinking':
        w.reasoning(block.thinking);
        break;
      case 'redacted_thinking':
        w.redacted(block.data);
        break;
      default:
        break; // server tool blocks and later block types
    }
    // a block that is not a tool call under an index that had one ends that call
    w.endCall(index);
  }
}

/** An `event: error` payload; text that is not JSON becomes the message (the error must not turn into a parse error). */
function errorBody(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { type: 'error', error: { message: data } };
  }
}
