/**
 * Builds the JSON body Bedrock's Converse operation (`ConverseCommand`, non-streaming) returns
 * for the same response as a recorded ConverseStream: content blocks by `contentBlockIndex`,
 * `stopReason` from `messageStop`, `usage` and `metrics` from the final `metadata` event.
 * Response shape: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
import type { WireEvent } from '../../src/replay/wire.ts';

interface Block {
  text?: string;
  reasoning?: string;
  signature?: string;
  redacted?: string;
  toolUse?: { toolUseId: string; name: string; input: string };
}

/** The Converse response JSON (as the service sends it) equivalent to a recorded ConverseStream. */
export function converseResponseOf(events: readonly WireEvent[]): Record<string, unknown> {
  const blocks = new Map<number, Block>();
  const block = (index: number | undefined) => {
    const at = index ?? 0;
    let b = blocks.get(at);
    if (b === undefined) blocks.set(at, (b = {}));
    return b;
  };
  let stopReason: string | undefined;
  let usage: unknown;
  let metrics: unknown;
  for (const event of events as Record<string, any>[]) {
    const [type, value] = Object.entries(event)[0]!;
    if (type === 'contentBlockStart' && value.start?.toolUse) {
      const { toolUseId, name } = value.start.toolUse;
      block(value.contentBlockIndex).toolUse = { toolUseId, name, input: '' };
    } else if (type === 'contentBlockDelta') {
      const b = block(value.contentBlockIndex);
      const d = value.delta;
      if (d.text !== undefined) b.text = (b.text ?? '') + d.text;
      if (d.toolUse !== undefined) b.toolUse!.input += d.toolUse.input;
      if (d.reasoningContent?.text !== undefined) b.reasoning = (b.reasoning ?? '') + d.reasoningContent.text;
      if (d.reasoningContent?.signature !== undefined) b.signature = d.reasoningContent.signature;
      if (d.reasoningContent?.redactedContent !== undefined) b.redacted = d.reasoningContent.redactedContent;
    } else if (type === 'messageStop') {
      stopReason = value.stopReason;
    } else if (type === 'metadata') {
      usage = value.usage;
      metrics = value.metrics;
    }
  }
  const content = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]) => {
      if (b.toolUse) return { toolUse: { ...b.toolUse, input: JSON.parse(b.toolUse.input || '{}') } };
      if (b.redacted !== undefined) return { reasoningContent: { redactedContent: b.redacted } };
      if (b.reasoning !== undefined || b.signature !== undefined) {
        return { reasoningContent: { reasoningText: { text: b.reasoning ?? '', ...(b.signature === undefined ? {} : { signature: b.signature }) } } };
      }
      return { text: b.text ?? '' };
    });
  return { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics };
}
