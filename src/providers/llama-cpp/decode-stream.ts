/**
 * node-llama-cpp's generation callbacks → rxllm deltas. Pure: no I/O, one small state per response.
 * @module
 */
import type { DeltaSink, Usage } from '../../core/delta.ts';
import { mapLlamaCppStopReason } from './finish-reason.ts';
import type { LlamaCppFunctionCall, LlamaCppFunctionCallParamsChunk, LlamaCppResponseChunk } from './wire.ts';

/**
 * Maps one response's callbacks to deltas, synchronously and in order:
 *
 * - `onResponseChunk` with no segment type → `text`; a `thought` segment → `reasoning`; other
 *   segments the chat wrapper marks (`comment`: commentary meant for the user) → `text`. Empty
 *   chunks are dropped. Thought tokens are counted for `reasoningTokens`.
 * - `onFunctionCallParamsChunk` → `tool-call-start` on a call's first chunk (id
 *   `${responseId}-call-${index}`: local models give none), `tool-call-delta` for each
 *   non-empty piece of the JSON params, `tool-call-end` when `done`.
 * - `end(...)`: calls in the final result that were not streamed arrive whole (start, params
 *   as JSON, end), then `usage`, then `finish` with the stop reason (`raw` kept).
 */
export class LlamaCppResponseMapper {
  /** Thought-segment tokens so far. */
  reasoningTokens = 0;
  private readonly sink: DeltaSink;
  private readonly responseId: string;
  /** Per call index: 1 = started, 2 = ended. */
  private readonly calls: number[] = [];

  /**
   * @param sink Where the deltas go.
   * @param responseId Prefix of the generated tool call ids (default: a random one).
   */
  constructor(sink: DeltaSink, responseId = `llama-cpp-${Math.random().toString(36).slice(2, 12)}`) {
    this.sink = sink;
    this.responseId = responseId;
  }

  /** Handles one `onResponseChunk` chunk. */
  onResponseChunk(chunk: LlamaCppResponseChunk): void {
    if (chunk.text === '') return;
    if (chunk.type === 'segment' && chunk.segmentType === 'thought') {
      this.reasoningTokens += chunk.tokens.length;
      this.sink.next({ type: 'reasoning', text: chunk.text });
    } else {
      this.sink.next({ type: 'text', text: chunk.text });
    }
  }

  /** Handles one `onFunctionCallParamsChunk` chunk. */
  onFunctionCallParamsChunk(chunk: LlamaCppFunctionCallParamsChunk): void {
    const index = chunk.callIndex;
    if (this.calls[index] === 2) return;
    if (this.calls[index] === undefined) this.start(index, chunk.functionName);
    if (chunk.paramsChunk !== '') this.sink.next({ type: 'tool-call-delta', index, argsText: chunk.paramsChunk });
    if (chunk.done) this.endCall(index);
  }

  /**
   * Ends the response: completes the calls of `functionCalls` (whole, when they were not
   * streamed), then emits `usage` and `finish`.
   *
   * @param stopReason node-llama-cpp's stop reason.
   * @param usage Token counts of this response.
   * @param functionCalls The calls in the final result, if any.
   */
  end(stopReason: string, usage: Usage, functionCalls?: readonly LlamaCppFunctionCall[]): void {
    functionCalls?.forEach((call, index) => {
      if (this.calls[index] === undefined) {
        this.start(index, call.functionName);
        const args = call.params === undefined ? '' : JSON.stringify(call.params);
        if (args !== '') this.sink.next({ type: 'tool-call-delta', index, argsText: args });
      }
      if (this.calls[index] === 1) this.endCall(index);
    });
    this.calls.forEach((state, index) => {
      if (state === 1) this.endCall(index);
    });
    this.sink.next({ type: 'usage', ...usage, ...(this.reasoningTokens > 0 ? { reasoningTokens: this.reasoningTokens } : {}) });
    this.sink.next({ type: 'finish', reason: mapLlamaCppStopReason(stopReason), raw: stopReason });
  }

  private start(index: number, name: string): void {
    this.calls[index] = 1;
    this.sink.next({ type: 'tool-call-start', index, id: `${this.responseId}-call-${index}`, name });
  }

  private endCall(index: number): void {
    this.calls[index] = 2;
    this.sink.next({ type: 'tool-call-end', index });
  }
}
