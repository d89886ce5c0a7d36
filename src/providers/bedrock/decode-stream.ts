/**
 * Pure mapping of Bedrock Runtime ConverseStream output to rxllm deltas: one stream event (+ a
 * little state) at a time, through the delta writer. No SDK calls, no I/O.
 *
 * Wire reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * (events: `ConverseStreamOutput`).
 * @internal
 */
import type { DeltaSink, MetadataDelta } from '../../core/delta.ts';
import { checkKey, DeltaWriter } from '../../core/delta-writer.ts';
import { bedrockExceptionError, PROVIDER } from './errors.ts';
import { mapBedrockStopReason } from './finish-reason.ts';
import { mapUsage } from './usage.ts';
import type { BedrockBlockDeltaWire, BedrockBytes, BedrockExceptionWire, BedrockReasoningDeltaWire, BedrockStreamEventWire } from './wire.ts';

export { mapBedrockStopReason } from './finish-reason.ts';
export { mapUsage } from './usage.ts';
export { mapConverseOutput } from './decode-response.ts';

/** The `metadata` delta of a Bedrock response: `model` is the request's `modelId`; `id` the request id, when known. */
export function metadataDelta(model: string | undefined, requestId: string | undefined): MetadataDelta {
  const out: { -readonly [K in keyof MetadataDelta]: MetadataDelta[K] } = { type: 'metadata', provider: PROVIDER };
  if (requestId !== undefined) out.id = requestId;
  if (model !== undefined) out.model = model;
  return out;
}

/**
 * Maps ConverseStream events to deltas, one event at a time, into `target`:
 *
 * - `messageStart` → the `metadata` delta given to the constructor;
 * - `contentBlockStart` with `toolUse` → `tool-call-start` (`index` = position among this
 *   response's tool calls, `id` = `toolUseId`); its `contentBlockDelta`s' `toolUse.input` →
 *   `tool-call-delta`; its `contentBlockStop` → `tool-call-end`;
 * - `contentBlockDelta.text` → `text`; `reasoningContent.text` → `reasoning`, at once;
 *   `reasoningContent.redactedContent` → `reasoning` with `redacted: true` and the bytes as base64;
 * - `reasoningContent.signature` → a `reasoning` delta with empty `text` and the `signature`,
 *   where Bedrock sends it (after the block's thinking), as every rxllm source sends signatures
 *   (see `ReasoningDelta`); no fragment is held back to carry it;
 * - `messageStop` → `tool-call-end` for every tool call still open (a `max_tokens` stop can cut a
 *   call off before its `contentBlockStop`; `accumulate()` then keeps its unparsable `argsText`
 *   and sets `argsError`), then `finish` (see {@link mapBedrockStopReason}, raw kept), and `done`
 *   turns true;
 * - `metadata.usage` → `usage` (see {@link mapUsage});
 * - the exception members (`throttlingException`, …) throw a `ProviderError`, as the SDK does;
 * - a `contentBlockIndex` outside 0…`MAX_WIRE_INDEX` throws `MalformedChunkError`;
 * - empty fragments, `citation`, `image`, `toolResult` deltas and unknown members map to nothing.
 */
export class ConverseStreamMapper {
  /** True once `messageStop` was handled: the response is complete (a `metadata` event may follow). */
  done = false;
  private readonly w: DeltaWriter;
  private readonly metadata: MetadataDelta;

  constructor(target: DeltaSink, metadata: MetadataDelta) {
    this.w = new DeltaWriter(target, PROVIDER);
    this.metadata = metadata;
  }

  /** Maps one event. Throws `ProviderError` for an exception member. */
  onEvent(event: BedrockStreamEventWire): void {
    const w = this.w;
    if (event.contentBlockDelta !== undefined) return this.onBlockDelta(event.contentBlockDelta);
    if (event.messageStart !== undefined) return w.metadata(this.metadata.id, this.metadata.model);
    if (event.contentBlockStart !== undefined) {
      const start = event.contentBlockStart;
      const toolUse = start.start?.toolUse;
      if (toolUse !== undefined) w.startCall(checkKey(start.contentBlockIndex ?? 0, PROVIDER), toolUse.toolUseId, toolUse.name);
      return;
    }
    if (event.contentBlockStop !== undefined) {
      w.endCall(event.contentBlockStop.contentBlockIndex ?? 0);
      return;
    }
    if (event.messageStop !== undefined) {
      this.done = true;
      const raw = event.messageStop.stopReason;
      if (raw === undefined) w.finish('other');
      else w.finish(mapBedrockStopReason(raw), raw);
      return;
    }
    if (event.metadata !== undefined) {
      if (event.metadata.usage !== undefined) w.usage(mapUsage(event.metadata.usage));
      return;
    }
    exception('internalServerException', event.internalServerException);
    exception('modelStreamErrorException', event.modelStreamErrorException);
    exception('validationException', event.validationException);
    exception('throttlingException', event.throttlingException);
    exception('serviceUnavailableException', event.serviceUnavailableException);
    // `$unknown` and members added after this SDK version: nothing rxllm maps
  }

  private onBlockDelta(event: BedrockBlockDeltaWire): void {
    const w = this.w;
    const delta = event.delta;
    if (delta === undefined) return;
    if (delta.reasoningContent !== undefined) return this.onReasoning(delta.reasoningContent);
    if (delta.text !== undefined) {
      w.text(delta.text);
    } else if (delta.toolUse !== undefined) {
      // input without a contentBlockStart: a call with no id or name rather than lost arguments
      const input = delta.toolUse.input;
      if (input !== undefined && input !== '') w.callArgs(checkKey(event.contentBlockIndex ?? 0, PROVIDER), input);
    }
    // citation, image, toolResult and unknown deltas: nothing rxllm maps
  }

  private onReasoning(reasoning: BedrockReasoningDeltaWire): void {
    const w = this.w;
    if (reasoning.text !== undefined) w.reasoning(reasoning.text);
    else if (reasoning.signature !== undefined) w.signature(reasoning.signature);
    else if (reasoning.redactedContent !== undefined) w.redacted(toBase64(reasoning.redactedContent));
  }
}

/** Throws the `ProviderError` of an exception member, when set. */
function exception(member: string, value: BedrockExceptionWire | undefined): void {
  if (value === undefined) return;
  throw bedrockExceptionError(member[0]!.toUpperCase() + member.slice(1), value.message, value.originalStatusCode);
}

/** Redacted reasoning as text: the SDK gives bytes; the JSON wire form (and so a recorded event) is base64 already. @internal */
export function toBase64(data: BedrockBytes): string {
  if (typeof data === 'string') return data;
  let binary = '';
  for (let i = 0; i < data.length; i++) binary += String.fromCharCode(data[i]!);
  return btoa(binary);
}
