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
import { CHAT_PROVIDER, type ChatChunkWire, type ChatContentPartWire, type ChatDeltaWire, type ChatLogprobsWire } from './wire.ts';

export { CHAT_PROVIDER, CHAT_TERMINAL } from './wire.ts';
export type { ChatChunkWire, ChatCompletionWire, ChatDeltaWire, ChatLogprobsWire, ChatUsageWire } from './wire.ts';
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
 * - `delta.reasoning_content` / `delta.reasoning` → `reasoning`; `delta.content` → `text`, also
 *   when `content` is an array of parts (Mistral: `text` parts → `text`, `thinking` parts →
 *   `reasoning`); the choice's `logprobs.content` rides on the `text` delta (`logprobs`);
 * - `delta.refusal` → `refusal` (with `logprobs.refusal`); the finish stays the provider's (`stop`);
 * - `delta.tool_calls[]` → `tool-call-start` and `tool-call-delta` (each `function.arguments`
 *   fragment), told apart by the wire `index`, so parallel calls stay apart. A call starts once
 *   its `function.name` is known, with its `id` (OpenAI sends both on the first fragment; a
 *   server that sends them in a later fragment has the arguments before them held until then,
 *   or until the finish). The delta's `index` is the call's position among this response's tool calls (0,
 *   1, … in start order), as in every rxllm source. `tool-call-end` for every open call is
 *   emitted right before the `finish` (OpenAI does not mark the end of one call's arguments);
 * - `finish_reason` → `finish` ({@link mapChatFinishReason}, raw kept). The finish is held until
 *   the choice is over: the next chunk without this choice or with `usage` (the last chunk),
 *   `[DONE]`, or the end of the body; fragments of the choice that arrive after its `finish_reason` are
 *   written before it;
 * - `usage` (the last chunk with `stream_options.include_usage`, or on the finishing chunk as
 *   DeepSeek sends it) → `usage`;
 * - `data: [DONE]` → done; without a finish before it → `StreamTruncatedError`, unless
 *   `finishOnDone`. A body that ends after a finish without `[DONE]` (Hugging Face
 *   `transformers serve` omits it) is done too ({@link end});
 * - rxllm's extension chunk `{ "rxllm_reset": { "reason" } }` (what `toChatCompletionChunks`
 *   writes for a `reset` delta) → `reset`, and the response starts afresh;
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
  /** The followed choice's `finish_reason`, held until the choice is over. */
  private pendingFinish: string | undefined = undefined;
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
    if (chunk.rxllm_reset != null) return this.reset(chunk.rxllm_reset.reason);
    if (!this.w.hasMetadata) this.w.metadata(chunk.id, chunk.model);
    const choices = chunk.choices;
    let followed = false;
    if (choices != null) {
      for (let i = 0; i < choices.length; i++) {
        const choice = choices[i]!;
        if ((choice.index ?? 0) === this.choiceIndex) {
          followed = true;
          this.onChoice(choice.delta, choice.finish_reason, choice.logprobs);
        }
      }
    }
    const usage = chunk.usage;
    // usage comes last (OpenAI: a chunk of its own; DeepSeek: on the finishing chunk): the choice is over
    if ((!followed || usage != null) && this.pendingFinish !== undefined) this.flushFinish();
    if (usage != null) this.w.usage(mapChatUsage(usage));
  }

  /** Handles `data: [DONE]`. */
  onDone(): void {
    if (this.pendingFinish !== undefined) this.flushFinish();
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

  /**
   * The body ended without `[DONE]`: after a `finish_reason` the response is complete (the held
   * finish is written and `done` turns true); before one, nothing changes and the reader reports
   * the truncation.
   */
  end(): void {
    if (this.done) return;
    if (this.pendingFinish !== undefined) this.flushFinish();
    if (this.w.finished) this.done = true;
  }

  /** rxllm's reset extension chunk: a `reset` delta, and the response starts afresh. */
  private reset(reason: unknown): void {
    this.pendingFinish = undefined;
    this.unindexed = -1;
    this.w.reset(typeof reason === 'string' ? reason : '');
  }

  /** Writes the held finish, if any. */
  flushFinish(): void {
    const raw = this.pendingFinish;
    if (raw === undefined) return;
    this.pendingFinish = undefined;
    this.finish(raw);
  }

  /** Emits the `metadata` delta (once). */
  start(id: string | undefined, model: string | undefined): void {
    this.w.metadata(id, model);
  }

  /** Maps the followed choice's `delta` (or a completion's `message`) and its finish reason. */
  onChoice(
    delta: ChatDeltaWire | null | undefined,
    finishReason: string | null | undefined,
    logprobs?: ChatLogprobsWire | null,
  ): void {
    const w = this.w;
    if (delta != null) {
      w.reasoning(delta.reasoning_content || delta.reasoning);
      const content = delta.content;
      if (typeof content === 'string') w.text(content, logprobs?.content ?? undefined);
      else if (content != null) this.contentParts(content);
      w.refusal(delta.refusal, logprobs?.refusal ?? undefined);
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
    if (finishReason != null && !w.finished && this.pendingFinish === undefined) this.pendingFinish = finishReason;
  }

  /** `content` as an array of parts (Mistral): text parts → `text`, thinking parts → `reasoning`. */
  private contentParts(parts: readonly ChatContentPartWire[]): void {
    const w = this.w;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.type === 'thinking') {
        const thinking = part.thinking;
        if (typeof thinking === 'string') w.reasoning(thinking);
        else if (thinking != null) for (let j = 0; j < thinking.length; j++) w.reasoning(thinking[j]!.text);
      } else if (part.type === 'text' || part.type === undefined) {
        w.text(part.text);
      }
    }
  }

  private onToolCall(wireIndex: number | undefined, id: unknown, name: unknown, args: unknown): void {
    const w = this.w;
    let key: number;
    if (typeof wireIndex === 'number') {
      key = wireIndex;
      if (!w.hasCall(key)) {
        if (typeof name === 'string' && name.length !== 0) w.startCall(key, id, name);
        else w.holdCall(key, id, name);
      } else if (w.isHeld(key)) {
        w.nameCall(key, id, name);
      }
    } else {
      // a server that leaves out `index` sends each call whole: an `id` (or the first fragment) starts the next one
      if (id || this.unindexed === -1) w.startCall((this.unindexed = w.callCount), id, name);
      key = this.unindexed;
    }
    w.callArgs(key, args);
  }

  /** Ends the open tool calls, then emits `finish` (`raw` undefined for an accepted `[DONE]`). */
  private finish(raw: string | undefined): void {
    this.w.endOpenCalls();
    const reason: FinishReason = raw === undefined ? (this.w.callCount > 0 ? 'tool-calls' : 'stop') : mapChatFinishReason(raw);
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
