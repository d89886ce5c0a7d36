/**
 * Pure mapping of OpenAI Responses API streams to deltas: one SSE event in, deltas out, with the
 * little state a stream needs (which output items are function calls). No SDK, no I/O.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink, FinishReason, UsageDelta } from '../../core/delta.ts';
import { ProviderError } from '../../core/errors.ts';
import { clause } from '../../core/error-classification.ts';
import { parseJSON } from '../../sources/read-sse.ts';
import { isRetryableCode, streamError } from '../openai/stream-errors.ts';

/** rxllm's provider name for the Responses API. */
export const RESPONSES_PROVIDER = 'openai-responses';

/** The terminal events of a Responses stream, named in truncation errors. */
export const RESPONSES_TERMINAL = 'response.completed, response.incomplete, response.failed or error';

/** The parts of a Responses `Response` object that rxllm reads. */
export interface ResponseWire {
  readonly id?: string;
  readonly model?: string;
  readonly status?: string | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
  readonly incomplete_details?: { readonly reason?: string | null } | null;
  readonly output?: readonly OutputItemWire[] | null;
  readonly usage?: ResponseUsageWire | null;
}

/** An output item: a message, a reasoning item or a function call (other kinds are not mapped). */
export interface OutputItemWire {
  readonly type?: string;
  readonly call_id?: string;
  readonly name?: string;
  readonly arguments?: string | null;
  readonly content?: readonly { readonly type?: string; readonly text?: string | null; readonly refusal?: string | null }[] | null;
  readonly summary?: readonly { readonly text?: string | null }[] | null;
}

/** Responses `usage`. */
export interface ResponseUsageWire {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly input_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly output_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
}

/** The fields of the stream events that rxllm reads. */
interface EventWire {
  readonly type?: string;
  readonly delta?: string;
  readonly output_index?: number;
  readonly item?: OutputItemWire;
  readonly arguments?: string;
  readonly response?: ResponseWire;
  readonly error?: unknown;
}

/** A function call of this response, by its output item. */
interface CallState {
  /** The call's `index` in the deltas: its position among this response's function calls. */
  readonly index: number;
  hasArgs: boolean;
  ended: boolean;
}

/**
 * Maps a Responses stream, event by event, to deltas:
 * - `response.created` → `metadata` (`provider: 'openai-responses'`, the response `id` and `model`);
 * - `response.output_text.delta` → `text`; `response.refusal.delta` → `text`, and the finish
 *   becomes `content-filter` (raw kept);
 * - `response.reasoning_summary_text.delta` and `response.reasoning_text.delta` → `reasoning`
 *   (summary parts follow each other without a separator, as the API sends them);
 * - `response.output_item.added` with a `function_call` item → `tool-call-start` (`call_id`,
 *   `name`; `index` = the call's position among this response's function calls);
 *   `response.function_call_arguments.delta` → `tool-call-delta`;
 *   `response.function_call_arguments.done` or `response.output_item.done` (whichever comes
 *   first) → `tool-call-end`;
 * - `response.completed` → `usage`, then `finish` `stop` (`tool-calls` when function calls were
 *   made), raw `completed`; `response.incomplete` → `usage`, then `finish` by
 *   `incomplete_details.reason` (`max_output_tokens` → length, `content_filter` →
 *   content-filter, else other; raw = the reason);
 * - `response.failed` and `error` events → throws `ProviderError` (`code`; `retryable` by code:
 *   `server_error` / `rate_limit_exceeded` yes, `insufficient_quota` no);
 * - every other event (content parts, annotations, built-in tool progress) → nothing.
 *
 * The stream is done after `response.completed` / `response.incomplete` (or the error).
 */
export class ResponsesStreamMapper {
  /** True once the terminal event was handled. */
  done = false;
  private readonly out: DeltaSink;
  private started = false;
  private refused = false;
  /** Function calls by output index. */
  private readonly calls = new Map<number, CallState>();

  constructor(out: DeltaSink) {
    this.out = out;
  }

  /** Maps one SSE event; throws a typed error for an error event, a failed response or a malformed chunk. */
  onEvent(event: EventSourceMessage): void {
    const data = parseJSON(event.data, RESPONSES_PROVIDER) as EventWire;
    this.onData(event.event === 'error' ? 'error' : data.type, data);
  }

  /** Maps one parsed event of the given type. */
  onData(type: string | undefined, data: EventWire): void {
    switch (type) {
      case 'response.output_text.delta':
        if (data.delta) this.out.next({ type: 'text', text: data.delta });
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (data.delta) this.out.next({ type: 'reasoning', text: data.delta });
        return;
      case 'response.function_call_arguments.delta': {
        const call = this.calls.get(data.output_index ?? -1);
        if (call !== undefined && data.delta) {
          call.hasArgs = true;
          this.out.next({ type: 'tool-call-delta', index: call.index, argsText: data.delta });
        }
        return;
      }
      case 'response.refusal.delta':
        this.refused = true;
        if (data.delta) this.out.next({ type: 'text', text: data.delta });
        return;
      case 'response.output_item.added':
        if (data.item?.type === 'function_call') this.startCall(data.output_index ?? -1, data.item);
        return;
      case 'response.function_call_arguments.done':
        this.endCall(data.output_index ?? -1, data.arguments);
        return;
      case 'response.output_item.done':
        if (data.item?.type === 'function_call') this.endCall(data.output_index ?? -1, data.item.arguments);
        return;
      case 'response.created':
      case 'response.queued':
      case 'response.in_progress':
        if (!this.started) this.start(data.response);
        return;
      case 'response.completed':
      case 'response.incomplete':
        this.finish(data.response ?? {});
        return;
      case 'response.failed':
        this.done = true;
        throw failedError(data.response ?? {});
      case 'error':
        this.done = true;
        throw streamError(data.error ?? data, RESPONSES_PROVIDER);
      default:
        return;
    }
  }

  /** Emits the `metadata` delta (once). */
  start(response: ResponseWire | undefined): void {
    this.started = true;
    const metadata: { type: 'metadata'; provider: string; id?: string; model?: string } = { type: 'metadata', provider: RESPONSES_PROVIDER };
    if (typeof response?.id === 'string') metadata.id = response.id;
    if (typeof response?.model === 'string') metadata.model = response.model;
    this.out.next(metadata);
  }

  /**
   * Maps a whole `Response` (the non-streaming result, `stream: false`) to the deltas its stream
   * would have given: metadata, reasoning, text, each function call as start / delta / end,
   * usage, finish. Throws `ProviderError` for a failed response.
   */
  onResponse(response: ResponseWire): void {
    if (!this.started) this.start(response);
    const output = response.output ?? [];
    for (let i = 0; i < output.length; i++) {
      const item = output[i]!;
      switch (item.type) {
        case 'reasoning':
          for (const part of item.summary ?? []) if (part.text) this.out.next({ type: 'reasoning', text: part.text });
          for (const part of item.content ?? []) if (part.text) this.out.next({ type: 'reasoning', text: part.text });
          break;
        case 'message':
          for (const part of item.content ?? []) {
            if (part.type === 'refusal' && part.refusal) {
              this.refused = true;
              this.out.next({ type: 'text', text: part.refusal });
            } else if (part.text) {
              this.out.next({ type: 'text', text: part.text });
            }
          }
          break;
        case 'function_call':
          this.startCall(i, item);
          this.endCall(i, item.arguments);
          break;
        default:
          break;
      }
    }
    if (response.status === 'failed') {
      this.done = true;
      throw failedError(response);
    }
    this.finish(response);
  }

  private startCall(outputIndex: number, item: OutputItemWire): void {
    const call: CallState = { index: this.calls.size, hasArgs: false, ended: false };
    this.calls.set(outputIndex, call);
    this.out.next({ type: 'tool-call-start', index: call.index, id: item.call_id ?? '', name: item.name ?? '' });
    if (item.arguments) {
      call.hasArgs = true;
      this.out.next({ type: 'tool-call-delta', index: call.index, argsText: item.arguments });
    }
  }

  /** Ends a call once; `args` (the whole arguments) are sent first when no fragment came. */
  private endCall(outputIndex: number, args: string | null | undefined): void {
    const call = this.calls.get(outputIndex);
    if (call === undefined || call.ended) return;
    if (!call.hasArgs && args) {
      call.hasArgs = true;
      this.out.next({ type: 'tool-call-delta', index: call.index, argsText: args });
    }
    call.ended = true;
    this.out.next({ type: 'tool-call-end', index: call.index });
  }

  /** Ends the calls still open, emits usage and the finish of a completed or incomplete response. */
  private finish(response: ResponseWire): void {
    this.done = true;
    for (const call of this.calls.values()) {
      if (!call.ended) {
        call.ended = true;
        this.out.next({ type: 'tool-call-end', index: call.index });
      }
    }
    if (response.usage != null) this.out.next(mapResponseUsage(response.usage));
    const status = response.status ?? 'completed';
    if (status === 'incomplete') {
      const raw = response.incomplete_details?.reason ?? status;
      this.out.next({ type: 'finish', reason: mapIncompleteReason(raw), raw });
      return;
    }
    const reason: FinishReason = this.refused ? 'content-filter' : this.calls.size > 0 ? 'tool-calls' : 'stop';
    this.out.next({ type: 'finish', reason, raw: status });
  }
}

/**
 * Responses `incomplete_details.reason` → {@link FinishReason}: `max_output_tokens` → length,
 * `content_filter` → content-filter, anything else → other.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details
 */
export function mapIncompleteReason(raw: string): FinishReason {
  switch (raw) {
    case 'max_output_tokens':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * Responses `usage` → a `usage` delta (token counts): `input_tokens`, `output_tokens`,
 * `output_tokens_details.reasoning_tokens`, `input_tokens_details.cached_tokens`. Fields the
 * provider left out stay absent.
 */
export function mapResponseUsage(usage: ResponseUsageWire): UsageDelta {
  const delta: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  if (typeof usage.input_tokens === 'number') delta.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === 'number') delta.outputTokens = usage.output_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') delta.reasoningTokens = reasoning;
  const cached = usage.input_tokens_details?.cached_tokens;
  if (typeof cached === 'number') delta.cachedInputTokens = cached;
  return delta;
}

/** A failed response's `error` → `ProviderError` (`code`, retryable by code). */
function failedError(response: ResponseWire): ProviderError {
  const code = response.error?.code ?? undefined;
  const retryable = isRetryableCode(code);
  return new ProviderError(
    `${RESPONSES_PROVIDER} response failed${code ? ` (${code})` : ''}: ${clause(response.error?.message ?? 'no error given')}. ` +
      (retryable ? 'Sending the request again may succeed.' : 'Sending the same request again will fail the same way.'),
    { provider: RESPONSES_PROVIDER, code, retryable, cause: response.error ?? response },
  );
}
