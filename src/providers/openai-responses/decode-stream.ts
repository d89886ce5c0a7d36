/**
 * Pure mapping of OpenAI Responses API streams to deltas: one SSE event in, deltas out through
 * the delta writer, with the little state a stream needs. No SDK, no I/O.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @module
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { DeltaSink, FinishReason } from '../../core/delta.ts';
import { checkKey, DeltaWriter } from '../../core/delta-writer.ts';
import { ProviderError } from '../../core/errors.ts';
import { clause } from '../../core/error-classification.ts';
import { parseJSON } from '../../sources/read-sse.ts';
import { isRetryableCode, streamError } from '../openai/stream-errors.ts';
import { mapIncompleteReason } from './finish-reason.ts';
import { mapResponseUsage } from './usage.ts';
import { RESPONSES_PROVIDER, type OutputItemWire, type ResponsesEventWire, type ResponseWire } from './wire.ts';

export { RESPONSES_PROVIDER, RESPONSES_TERMINAL } from './wire.ts';
export type { OutputItemWire, ResponseUsageWire, ResponseWire } from './wire.ts';
export { mapIncompleteReason } from './finish-reason.ts';
export { mapResponseUsage } from './usage.ts';

/**
 * Maps a Responses stream, event by event, to deltas:
 * - `response.created` → `metadata` (`provider: 'openai-responses'`, the response `id` and `model`);
 * - `response.output_text.delta` → `text`; `response.refusal.delta` → `refusal` (the finish
 *   stays `stop`, as the provider said `completed`);
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
 * - an `output_index` outside 0…`MAX_WIRE_INDEX` → throws `MalformedChunkError`;
 * - every other event (content parts, annotations, built-in tool progress) → nothing.
 *
 * The stream is done after `response.completed` / `response.incomplete` (or the error).
 */
export class ResponsesStreamMapper {
  /** True once the terminal event was handled. */
  done = false;
  private readonly w: DeltaWriter;
  /** Output indexes of the function calls whose arguments arrived. */
  private readonly withArgs = new Set<number>();

  constructor(out: DeltaSink) {
    this.w = new DeltaWriter(out, RESPONSES_PROVIDER);
  }

  /** Maps one SSE event; throws a typed error for an error event, a failed response or a malformed chunk. */
  onEvent(event: EventSourceMessage): void {
    const data = parseJSON(event.data, RESPONSES_PROVIDER) as ResponsesEventWire;
    this.onData(event.event === 'error' ? 'error' : data.type, data);
  }

  /** Maps one parsed event of the given type. */
  onData(type: string | undefined, data: ResponsesEventWire): void {
    const w = this.w;
    switch (type) {
      case 'response.output_text.delta':
        w.text(data.delta);
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        w.reasoning(data.delta);
        return;
      case 'response.function_call_arguments.delta': {
        const key = data.output_index ?? 0;
        if (w.hasCall(key) && data.delta) {
          this.withArgs.add(key);
          w.callArgs(key, data.delta);
        }
        return;
      }
      case 'response.refusal.delta':
        w.refusal(data.delta);
        return;
      case 'response.output_item.added':
        if (data.item?.type === 'function_call') this.startCall(data.output_index ?? 0, data.item);
        return;
      case 'response.function_call_arguments.done':
        this.endCall(data.output_index ?? 0, data.arguments);
        return;
      case 'response.output_item.done':
        if (data.item?.type === 'function_call') this.endCall(data.output_index ?? 0, data.item.arguments);
        return;
      case 'response.created':
      case 'response.queued':
      case 'response.in_progress':
        if (!w.hasMetadata) this.start(data.response);
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
    this.w.metadata(response?.id, response?.model);
  }

  /**
   * Maps a whole `Response` (the non-streaming result, `stream: false`) to the deltas its stream
   * would have given: metadata, reasoning, text, each function call as start / delta / end,
   * usage, finish. Throws `ProviderError` for a failed response.
   */
  onResponse(response: ResponseWire): void {
    const w = this.w;
    this.start(response);
    const output = response.output ?? [];
    for (let i = 0; i < output.length; i++) {
      const item = output[i]!;
      switch (item.type) {
        case 'reasoning':
          for (const part of item.summary ?? []) w.reasoning(part.text);
          for (const part of item.content ?? []) w.reasoning(part.text);
          break;
        case 'message':
          for (const part of item.content ?? []) {
            if (part.type === 'refusal') {
              w.refusal(part.refusal);
            } else {
              w.text(part.text);
            }
          }
          break;
        case 'function_call':
          w.wholeCall(item.call_id, item.name, item.arguments ?? '');
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
    const key = checkKey(outputIndex, RESPONSES_PROVIDER);
    this.w.startCall(key, item.call_id, item.name);
    if (item.arguments) {
      this.withArgs.add(key);
      this.w.callArgs(key, item.arguments);
    }
  }

  /** Ends a call once; `args` (the whole arguments) are sent first when no fragment came. */
  private endCall(outputIndex: number, args: string | null | undefined): void {
    const w = this.w;
    if (!w.hasCall(outputIndex)) return;
    if (!this.withArgs.has(outputIndex)) w.callArgs(outputIndex, args);
    this.withArgs.delete(outputIndex);
    w.endCall(outputIndex);
  }

  /** Ends the calls still open, emits usage and the finish of a completed or incomplete response. */
  private finish(response: ResponseWire): void {
    const w = this.w;
    this.done = true;
    w.endOpenCalls();
    if (response.usage != null) w.usage(mapResponseUsage(response.usage));
    const status = response.status ?? 'completed';
    if (status === 'incomplete') {
      const raw = response.incomplete_details?.reason ?? status;
      w.finish(mapIncompleteReason(raw), raw);
      return;
    }
    const reason: FinishReason = w.callCount > 0 ? 'tool-calls' : 'stop';
    w.finish(reason, status);
  }
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
