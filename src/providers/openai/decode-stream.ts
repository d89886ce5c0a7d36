/**
 * Pure mapping of OpenAI Chat Completions streams to deltas: one SSE event (a
 * `chat.completion.chunk`, `[DONE]` or an error event) in, deltas out through the delta writer,
 * with the little state a stream needs. No SDK, no I/O.
 *
 * Also reads what OpenAI-compatible servers add: `delta.reasoning_content` (DeepSeek, xAI, older
 * vLLM) and `delta.reasoning` (Groq, OpenRouter, Ollama, vLLM), Groq's `event: error`,
 * OpenRouter's chunk with an `error` field.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink, FinishReason } from '../../core/delta.ts';
import { DeltaWriter } from '../../core/delta-writer.ts';
import { StreamTruncatedError } from '../../core/errors.ts';
import { parseJSON } from '../../sources/read-sse.ts';
import { mapChatFinishReason } from './finish-reason.ts';
import { streamError } from './stream-errors.ts';
import { mapChatUsage } from './usage.ts';
import { CHAT_PROVIDER, type ChatChunkWire, type ChatDeltaWire } from './wire.ts';

export { CHAT_PROVIDER, CHAT_TERMINAL } from './wire.ts';
export type { ChatChunkWire, ChatCompletionWire, ChatDeltaWire, ChatUsageWire } from './wire.ts';
export { mapChatCompletion } from './decode-response.ts';
export { mapChatFinishReason } from './finish-reason.ts';
export { mapChatUsage } from './usage.ts';

/** Options of {@link ChatStreamMapper} (and of `fromOpenAI`). */
export interface ChatMappingOptions {
  /**
   * Which choice to follow when the request asked for several (`n > 1`): the chunks of the other
   * choices are skipped. Default 0.
   */
  readonly choiceIndex?: number;
  /**
   * Accept `data: [DONE]` without a `finish_reason` as the end of the response, emitting finish
   * `stop` (`tool-calls` when tool calls arrived). Some OpenAI-compatible servers (some Ollama
   * versions) omit `finish_reason`. Default false: such a stream errors with
   * `StreamTruncatedError`, since a missing finish usually means a response cut short.
   */
  readonly finishOnDone?: boolean;
}

/**
 * Maps a Chat Completions stream, event by event, to deltas:
 * - the first chunk → `metadata` (`provider: 'openai'`, the chunk's `id` and `model`);
 * - `delta.reasoning_content` / `delta.reasoning` → `reasoning`; `delta.content` → `text`;
 * - `delta.refusal` → `text` (the refusal is the answer the user sees), and the finish becomes
 *   `content-filter` (raw `stop` kept) when the response was a refusal;
 * - `delta.tool_calls[]` → `tool-call-start` (first fragment of a wire `index`: its `id` and
 *   `function.name`) and `tool-call-delta` (each `function.arguments` fragment), told apart by
 *   the wire `index`, so parallel calls stay apart. The delta's `index` is the call's position
 *   among this response's tool calls (0, 1, … in start order), as in every rxllm source; for
 *   OpenAI that equals the wire index. `tool-call-end` for every open call is emitted
 *   when the choice's `finish_reason` arrives, right before the `finish` (OpenAI does not mark
 *   the end of one call's arguments; a call is only known complete at the finish);
 * - `finish_reason` → `finish` ({@link mapChatFinishReason}, raw kept);
 * - `usage` (the last chunk with `stream_options.include_usage`, or on the finishing chunk as
 *   DeepSeek sends it) → `usage`, in the provider's order (after the finish for OpenAI);
 * - `data: [DONE]` → done; without a finish before it → `StreamTruncatedError`, unless
 *   `finishOnDone`;
 * - `event: error` or a chunk with an `error` field → throws `ProviderError` (see `streamError`);
 *   a chunk that is not JSON → throws `MalformedChunkError`.
 *
 * With several choices (`n > 1`) only `choiceIndex` (default 0) is followed; usage covers all.
 */
export class ChatStreamMapper {
  /** True once `[DONE]` was handled. */
  done = false;
  private readonly w: DeltaWriter;
  private readonly choiceIndex: number;
  private readonly finishOnDone: boolean;
  private refused = false;
  /** Calls started with no wire `index` (each sent whole); the key of the last one. */
  private unindexed = -1;

  constructor(out: DeltaSink, options: ChatMappingOptions = {}) {
    this.w = new DeltaWriter(out, CHAT_PROVIDER);
    this.choiceIndex = options.choiceIndex ?? 0;
    this.finishOnDone = options.finishOnDone ?? false;
  }

  /** Maps one SSE event; throws a typed error for an error event or a malformed chunk. */
  onEvent(event: EventSourceMessage): void {
    const data = event.data;
    if (data === '[DONE]') return this.onDone();
    if (event.event === 'error') throw streamError(errorPayload(data), CHAT_PROVIDER);
    const chunk = parseJSON(data, CHAT_PROVIDER) as ChatChunkWire;
    if (chunk.error != null) throw streamError(chunk.error, CHAT_PROVIDER);
    this.onChunk(chunk);
  }

  /** Maps one parsed chunk. */
  onChunk(chunk: ChatChunkWire): void {
    if (!this.w.hasMetadata) this.w.metadata(chunk.id, chunk.model);
    const choices = chunk.choices;
    if (choices != null) {
      for (let i = 0; i < choices.length; i++) {
        const choice = choices[i]!;
        if ((choice.index ?? 0) === this.choiceIndex) this.onChoice(choice.delta, choice.finish_reason);
      }
    }
    if (chunk.usage != null) this.w.usage(mapChatUsage(chunk.usage));
  }

  /** Handles `data: [DONE]`. */
  onDone(): void {
    if (!this.w.finished) {
      if (!this.finishOnDone) {
        throw new StreamTruncatedError(
          `${CHAT_PROVIDER} stream sent data: [DONE] without a finish_reason for choice ${this.choiceIndex}: ` +
            'the response may have been cut short. Some OpenAI-compatible servers (some Ollama versions) omit ' +
            'finish_reason; if yours does, pass `{ finishOnDone: true }` to fromOpenAI to accept [DONE] as the end. ' +
            'What had arrived is in `partial`.',
          { provider: CHAT_PROVIDER },
        );
      }
      this.finish(undefined);
    }
    this.done = true;
  }

  /** Emits the `metadata` delta (once). */
  start(id: string | undefined, model: string | undefined): void {
    this.w.metadata(id, model);
  }

  /** Maps the followed choice's `delta` (or a completion's `message`) and its finish reason. */
  onChoice(delta: ChatDeltaWire | null | undefined, finishReason: string | null | undefined): void {
    const w = this.w;
    if (delta != null) {
      w.reasoning(delta.reasoning_content || delta.reasoning);
      w.text(delta.content);
      const refusal = delta.refusal;
      if (typeof refusal === 'string' && refusal.length !== 0) {
        this.refused = true;
        w.text(refusal);
      }
      const toolCalls = delta.tool_calls;
      if (toolCalls != null) {
        for (let i = 0; i < toolCalls.length; i++) {
          const call = toolCalls[i]!;
          const fn = call.function;
          this.onToolCall(call.index, call.id, fn?.name, fn?.arguments);
        }
      }
      const fn = delta.function_call;
      if (fn != null) this.onToolCall(0, undefined, fn.name, fn.arguments);
    }
    if (finishReason != null && !w.finished) this.finish(finishReason);
  }

  private onToolCall(wireIndex: number | undefined, id: unknown, name: unknown, args: unknown): void {
    const w = this.w;
    let key: number;
    if (typeof wireIndex === 'number') {
      key = wireIndex;
      if (!w.hasCall(key)) w.startCall(key, id, name);
    } else {
      // a server that leaves out `index` sends each call whole: an `id` (or the first fragment) starts the next one
      if (id || this.unindexed === -1) w.startCall((this.unindexed = w.callCount), id, name);
      key = this.unindexed;
    }
    w.callArgs(key, args);
  }

  /** Ends the open tool calls, then emits `finish` (`raw` undefined for an accepted `[DONE]`). */
  private finish(raw: string | undefined): void {
    let reason: FinishReason = raw === undefined ? (this.w.callCount > 0 ? 'tool-calls' : 'stop') : mapChatFinishReason(raw);
    if (this.refused && reason === 'stop') reason = 'content-filter';
    this.w.finish(reason, raw);
  }
}

/** The error object of an `event: error` payload (`{ error: {...} }` or the object itself); non-JSON data is the message. */
function errorPayload(data: string): unknown {
  try {
    const parsed = JSON.parse(data) as { error?: unknown } | null;
    return parsed !== null && typeof parsed === 'object' && parsed.error != null ? parsed.error : parsed;
  } catch {
    return { message: data };
  }
}
