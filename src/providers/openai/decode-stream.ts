/**
 * Pure mapping of OpenAI Chat Completions streams to deltas: one SSE event (a
 * `chat.completion.chunk`, `[DONE]` or an error event) in, deltas out, with the little state a
 * stream needs (open tool calls, whether the finish arrived). No SDK, no I/O.
 *
 * Also reads what OpenAI-compatible servers add: `delta.reasoning_content` (DeepSeek, xAI, older
 * vLLM) and `delta.reasoning` (Groq, OpenRouter, Ollama, vLLM), Groq's `event: error`,
 * OpenRouter's chunk with an `error` field.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink, FinishReason, UsageDelta } from '../../core/delta.ts';
import { StreamTruncatedError } from '../../core/errors.ts';
import { parseJSON } from '../../sources/read-sse.ts';
import { streamError } from './stream-errors.ts';

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

/** rxllm's provider name for Chat Completions (also for compatible servers reached via `baseURL`). */
export const CHAT_PROVIDER = 'openai';

/** The terminal event of a Chat Completions stream, named in truncation errors. */
export const CHAT_TERMINAL = 'data: [DONE]';

/** The parts of a `chat.completion.chunk` that rxllm reads. */
export interface ChatChunkWire {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly ChatChoiceWire[] | null;
  readonly usage?: ChatUsageWire | null;
  /** OpenRouter sends a mid-stream error as a chunk with this field. */
  readonly error?: unknown;
}

interface ChatChoiceWire {
  readonly index?: number;
  readonly delta?: ChatDeltaWire | null;
  readonly finish_reason?: string | null;
}

/** A chunk's `delta`, or a completion's `message` (same field names). */
export interface ChatDeltaWire {
  readonly content?: string | null;
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
  readonly refusal?: string | null;
  readonly tool_calls?: readonly ToolCallWire[] | null;
  /** The deprecated `functions` API: one call, mapped as tool call 0 with an empty id. */
  readonly function_call?: { readonly name?: string | null; readonly arguments?: string | null } | null;
}

interface ToolCallWire {
  readonly index?: number;
  readonly id?: string | null;
  readonly function?: { readonly name?: string | null; readonly arguments?: string | null } | null;
}

/** Chat Completions `usage`, with DeepSeek's `prompt_cache_hit_tokens`. */
export interface ChatUsageWire {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
  readonly prompt_cache_hit_tokens?: number | null;
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
  private readonly out: DeltaSink;
  private readonly choiceIndex: number;
  private readonly finishOnDone: boolean;
  private started = false;
  private finished = false;
  private refused = false;
  /** The delta index (position in start order) of each tool call started, by wire index. */
  private readonly callIndex = new Map<number, number>();
  /** Tool calls started; all stay open until the finish. */
  private callCount = 0;

  constructor(out: DeltaSink, options: ChatMappingOptions = {}) {
    this.out = out;
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
    if (!this.started) this.start(chunk.id, chunk.model);
    const choices = chunk.choices;
    if (choices != null) {
      for (let i = 0; i < choices.length; i++) {
        const choice = choices[i]!;
        if ((choice.index ?? 0) === this.choiceIndex) this.onChoice(choice.delta, choice.finish_reason);
      }
    }
    if (chunk.usage != null) this.out.next(mapChatUsage(chunk.usage));
  }

  /** Handles `data: [DONE]`. */
  onDone(): void {
    if (!this.finished) {
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
    this.started = true;
    const metadata: { type: 'metadata'; provider: string; id?: string; model?: string } = { type: 'metadata', provider: CHAT_PROVIDER };
    if (typeof id === 'string') metadata.id = id;
    if (typeof model === 'string') metadata.model = model;
    this.out.next(metadata);
  }

  /** Maps the followed choice's `delta` (or a completion's `message`) and its finish reason. */
  onChoice(delta: ChatDeltaWire | null | undefined, finishReason: string | null | undefined): void {
    if (delta != null) {
      const reasoning = delta.reasoning_content || delta.reasoning;
      if (typeof reasoning === 'string' && reasoning.length !== 0) this.out.next({ type: 'reasoning', text: reasoning });
      const content = delta.content;
      if (typeof content === 'string' && content.length !== 0) this.out.next({ type: 'text', text: content });
      const refusal = delta.refusal;
      if (typeof refusal === 'string' && refusal.length !== 0) {
        this.refused = true;
        this.out.next({ type: 'text', text: refusal });
      }
      const toolCalls = delta.tool_calls;
      if (toolCalls != null) {
        for (let i = 0; i < toolCalls.length; i++) {
          const call = toolCalls[i]!;
          this.onToolCall(call.index, call.id, call.function?.name, call.function?.arguments);
        }
      }
      const fn = delta.function_call;
      if (fn != null) this.onToolCall(0, undefined, fn.name, fn.arguments);
    }
    if (finishReason != null && !this.finished) this.finish(finishReason);
  }

  private onToolCall(
    wireIndex: number | undefined,
    id: string | null | undefined,
    name: string | null | undefined,
    args: string | null | undefined,
  ): void {
    let index: number | undefined;
    if (typeof wireIndex === 'number') {
      index = this.callIndex.get(wireIndex);
      if (index === undefined) this.callIndex.set(wireIndex, (index = this.startCall(id, name)));
    } else {
      // a server that leaves out `index` sends each call whole: an `id` (or the first fragment) starts the next one
      index = id || this.callCount === 0 ? this.startCall(id, name) : this.callCount - 1;
    }
    if (typeof args === 'string' && args.length !== 0) this.out.next({ type: 'tool-call-delta', index, argsText: args });
  }

  /** Emits `tool-call-start` for the next call; returns its index. */
  private startCall(id: string | null | undefined, name: string | null | undefined): number {
    const index = this.callCount++;
    this.out.next({ type: 'tool-call-start', index, id: id ?? '', name: name ?? '' });
    return index;
  }

  /** Ends the open tool calls, then emits `finish` (`raw` undefined for an accepted `[DONE]`). */
  private finish(raw: string | undefined): void {
    this.finished = true;
    for (let index = 0; index < this.callCount; index++) this.out.next({ type: 'tool-call-end', index });
    let reason: FinishReason = raw === undefined ? (this.callCount > 0 ? 'tool-calls' : 'stop') : mapChatFinishReason(raw);
    if (this.refused && reason === 'stop') reason = 'content-filter';
    this.out.next(raw === undefined ? { type: 'finish', reason } : { type: 'finish', reason, raw });
  }
}

/** The parts of a non-streaming `chat.completion` that rxllm reads. */
export interface ChatCompletionWire {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly { readonly index?: number; readonly message?: ChatDeltaWire | null; readonly finish_reason?: string | null }[] | null;
  readonly usage?: ChatUsageWire | null;
}

/**
 * Maps a non-streaming `chat.completion` (`stream: false`) to the deltas its stream would have
 * given, in the stream's order: `metadata`, `reasoning`, `text`, each tool call's start and
 * delta (the whole arguments), the calls' ends, `finish`, then `usage` (OpenAI streams usage in
 * a last chunk after the finish). Follows `choiceIndex` as {@link ChatStreamMapper} does; a missing
 * `finish_reason` is handled as a `[DONE]` without one (`finishOnDone`).
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function mapChatCompletion(completion: ChatCompletionWire, out: DeltaSink, options: ChatMappingOptions = {}): void {
  const mapper = new ChatStreamMapper(out, options);
  mapper.start(completion.id, completion.model);
  const choiceIndex = options.choiceIndex ?? 0;
  const choice = completion.choices?.find((c) => (c.index ?? 0) === choiceIndex);
  const message = choice?.message;
  // a message's tool calls carry no `index`: their position is it
  const toolCalls = message?.tool_calls?.map((call, index) => ({ ...call, index }));
  mapper.onChoice(toolCalls === undefined ? message : { ...message, tool_calls: toolCalls }, undefined);
  mapper.onChoice(undefined, choice?.finish_reason);
  if (completion.usage != null) out.next(mapChatUsage(completion.usage));
  mapper.onDone();
}

/**
 * Chat Completions `finish_reason` → {@link FinishReason}: `stop` → stop, `length` → length,
 * `tool_calls` and the deprecated `function_call` → tool-calls, `content_filter` → content-filter,
 * `error` (OpenRouter) → error, anything else → other.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapChatFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

/**
 * Chat Completions `usage` → a `usage` delta (token counts): `prompt_tokens` → inputTokens,
 * `completion_tokens` → outputTokens, `completion_tokens_details.reasoning_tokens` →
 * reasoningTokens, `prompt_tokens_details.cached_tokens` (or DeepSeek's
 * `prompt_cache_hit_tokens`) → cachedInputTokens. Fields the provider left out stay absent.
 */
export function mapChatUsage(usage: ChatUsageWire): UsageDelta {
  const delta: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  if (typeof usage.prompt_tokens === 'number') delta.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') delta.outputTokens = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') delta.reasoningTokens = reasoning;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (typeof cached === 'number') delta.cachedInputTokens = cached;
  return delta;
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
