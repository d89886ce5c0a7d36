/**
 * Pure mapping of Bedrock Runtime Converse / ConverseStream output to rxllm deltas: one stream
 * event (+ a little state) at a time, or one whole Converse response. No SDK calls, no I/O.
 *
 * Wire reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * (events: `ConverseStreamOutput`) and
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (response).
 * @internal
 */
import type {
  ContentBlockDeltaEvent,
  ConverseCommandOutput,
  ConverseStreamOutput,
  ReasoningContentBlockDelta,
  TokenUsage,
} from '@aws-sdk/client-bedrock-runtime';
import type { DeltaSink, FinishReason, MetadataDelta, UsageDelta } from '../../core/delta.ts';
import { bedrockExceptionError, PROVIDER } from './errors.ts';

/**
 * Normalizes a Converse `stopReason`: `end_turn` / `stop_sequence` → `stop`; `max_tokens` and
 * `model_context_window_exceeded` → `length`; `tool_use` → `tool-calls`; `guardrail_intervened`
 * / `content_filtered` → `content-filter`; anything else (`malformed_model_output`,
 * `malformed_tool_use`, values added later, a missing value) → `other`. The raw value is kept
 * by the caller in `FinishDelta.raw`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
 */
export function mapBedrockStopReason(raw: string | undefined): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * Maps Bedrock's `TokenUsage` (counts in tokens). Bedrock's `inputTokens` excludes the prompt
 * tokens read from or written to the cache, so rxllm's `inputTokens` (prompt tokens including
 * cached ones) is `inputTokens + cacheReadInputTokens + cacheWriteInputTokens`, and
 * `cachedInputTokens` is `cacheReadInputTokens`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function mapUsage(usage: TokenUsage): UsageDelta {
  const out: { -readonly [K in keyof UsageDelta]: UsageDelta[K] } = { type: 'usage' };
  const cacheRead = usage.cacheReadInputTokens;
  if (usage.inputTokens !== undefined) out.inputTokens = usage.inputTokens + (cacheRead ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  if (usage.outputTokens !== undefined) out.outputTokens = usage.outputTokens;
  if (cacheRead !== undefined) out.cachedInputTokens = cacheRead;
  return out;
}

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
 * - empty fragments, `citation`, `image`, `toolResult` deltas and unknown members map to nothing.
 */
export class ConverseStreamMapper {
  /** True once `messageStop` was handled: the response is complete (a `metadata` event may follow). */
  done = false;
  private readonly target: DeltaSink;
  private readonly metadata: MetadataDelta;
  /** Tool-call index of each tool block seen, by `contentBlockIndex`. */
  private readonly toolOfBlock = new Map<number, number>();
  private toolCount = 0;

  constructor(target: DeltaSink, metadata: MetadataDelta) {
    this.target = target;
    this.metadata = metadata;
  }

  /** Maps one event. Throws `ProviderError` for an exception member. */
  onEvent(event: ConverseStreamOutput): void {
    const e = event as Record<string, any>;
    let type: string | undefined;
    for (type in e) break; // a union value has one member
    if (type === 'contentBlockDelta') return this.onBlockDelta(e.contentBlockDelta as ContentBlockDeltaEvent);
    const value = type === undefined ? undefined : e[type];
    switch (type) {
      case 'messageStart':
        this.target.next(this.metadata);
        return;
      case 'contentBlockStart': {
        const toolUse = value?.start?.toolUse;
        if (toolUse === undefined) return;
        const index = this.toolCount++;
        this.toolOfBlock.set(value.contentBlockIndex ?? 0, index);
        this.target.next({ type: 'tool-call-start', index, id: toolUse.toolUseId ?? '', name: toolUse.name ?? '' });
        return;
      }
      case 'contentBlockStop': {
        const block = value?.contentBlockIndex ?? 0;
        const index = this.toolOfBlock.get(block);
        if (index === undefined) return;
        this.toolOfBlock.delete(block);
        this.target.next({ type: 'tool-call-end', index });
        return;
      }
      case 'messageStop': {
        this.done = true;
        for (const index of this.toolOfBlock.values()) this.target.next({ type: 'tool-call-end', index });
        this.toolOfBlock.clear();
        const raw: string | undefined = value?.stopReason;
        this.target.next(raw === undefined ? { type: 'finish', reason: 'other' } : { type: 'finish', reason: mapBedrockStopReason(raw), raw });
        return;
      }
      case 'metadata':
        if (value?.usage !== undefined) this.target.next(mapUsage(value.usage));
        return;
      case 'internalServerException':
      case 'modelStreamErrorException':
      case 'validationException':
      case 'throttlingException':
      case 'serviceUnavailableException':
        throw bedrockExceptionError(type[0]!.toUpperCase() + type.slice(1), value?.message, value?.originalStatusCode);
      default:
        // `$unknown` and members added after this SDK version: nothing rxllm maps
        return;
    }
  }

  private onBlockDelta(event: ContentBlockDeltaEvent): void {
    const delta = event.delta;
    const block = event.contentBlockIndex ?? 0;
    if (delta?.reasoningContent !== undefined) return this.onReasoning(delta.reasoningContent);
    if (delta?.text !== undefined) {
      if (delta.text !== '') this.target.next({ type: 'text', text: delta.text });
    } else if (delta?.toolUse !== undefined) {
      const argsText = delta.toolUse.input;
      if (argsText === undefined || argsText === '') return;
      let index = this.toolOfBlock.get(block);
      if (index === undefined) {
        // input without a contentBlockStart: a call with no id or name rather than lost arguments
        index = this.toolCount++;
        this.toolOfBlock.set(block, index);
      }
      this.target.next({ type: 'tool-call-delta', index, argsText });
    }
    // citation, image, toolResult and unknown deltas: nothing rxllm maps
  }

  private onReasoning(reasoning: ReasoningContentBlockDelta): void {
    if (reasoning.text !== undefined) {
      if (reasoning.text !== '') this.target.next({ type: 'reasoning', text: reasoning.text });
    } else if (reasoning.signature !== undefined) {
      if (reasoning.signature !== '') this.target.next({ type: 'reasoning', text: '', signature: reasoning.signature });
    } else if (reasoning.redactedContent !== undefined) {
      this.target.next({ type: 'reasoning', text: toBase64(reasoning.redactedContent), redacted: true });
    }
  }
}

/**
 * Maps a whole Converse (non-streaming) response into `target`, in the order ConverseStream
 * would send the same content: `metadata`, then per content block `text`, `reasoning` (the text,
 * then the signature in a delta of its own with empty text, as streamed; redacted content as
 * base64 with `redacted: true`) or
 * `tool-call-start` / `tool-call-delta` (the `input` document as JSON text) / `tool-call-end`,
 * then `finish` (always, `other` when `stopReason` is missing) and `usage`. Other block kinds
 * (images, documents, citations, …) map to nothing.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export function mapConverseOutput(output: ConverseCommandOutput, target: DeltaSink, metadata: MetadataDelta): void {
  target.next(metadata);
  let toolCount = 0;
  for (const block of output.output?.message?.content ?? []) {
    if (block.text !== undefined) {
      if (block.text !== '') target.next({ type: 'text', text: block.text });
    } else if (block.reasoningContent !== undefined) {
      const { reasoningText, redactedContent } = block.reasoningContent;
      if (reasoningText !== undefined) {
        const { text, signature } = reasoningText;
        if (text) target.next({ type: 'reasoning', text });
        if (signature) target.next({ type: 'reasoning', text: '', signature });
      } else if (redactedContent !== undefined) {
        target.next({ type: 'reasoning', text: toBase64(redactedContent), redacted: true });
      }
    } else if (block.toolUse !== undefined) {
      const index = toolCount++;
      target.next({ type: 'tool-call-start', index, id: block.toolUse.toolUseId ?? '', name: block.toolUse.name ?? '' });
      const argsText = JSON.stringify(block.toolUse.input ?? {});
      target.next({ type: 'tool-call-delta', index, argsText });
      target.next({ type: 'tool-call-end', index });
    }
    // images, documents, citations, guard content, …: nothing rxllm maps
  }
  const raw = output.stopReason;
  target.next(raw === undefined ? { type: 'finish', reason: 'other' } : { type: 'finish', reason: mapBedrockStopReason(raw), raw });
  if (output.usage !== undefined) target.next(mapUsage(output.usage));
}

/** Redacted reasoning as text: the SDK gives bytes; the JSON wire form (and so a recorded event) is base64 already. */
function toBase64(data: Uint8Array | string): string {
  if (typeof data === 'string') return data;
  let binary = '';
  for (let i = 0; i < data.length; i++) binary += String.fromCharCode(data[i]!);
  return btoa(binary);
}
