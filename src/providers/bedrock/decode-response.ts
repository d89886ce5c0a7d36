/**
 * A whole Converse (non-streaming) response → the deltas ConverseStream would have given.
 * @module
 */
import type { DeltaSink, MetadataDelta } from '../../core/delta.ts';
import { DeltaWriter } from '../../core/delta-writer.ts';
import { PROVIDER } from './errors.ts';
import { mapBedrockStopReason } from './finish-reason.ts';
import { toBase64 } from './decode-stream.ts';
import { mapUsage } from './usage.ts';
import type { BedrockConverseOutputWire } from './wire.ts';

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
export function mapConverseOutput(output: BedrockConverseOutputWire, target: DeltaSink, metadata: MetadataDelta): void {
  const w = new DeltaWriter(target, PROVIDER);
  w.metadata(metadata.id, metadata.model);
  const content = output.output?.message?.content ?? [];
  for (let i = 0; i < content.length; i++) {
    const block = content[i]!;
    if (block.text !== undefined) {
      w.text(block.text);
    } else if (block.reasoningContent !== undefined) {
      const { reasoningText, redactedContent } = block.reasoningContent;
      if (reasoningText !== undefined) {
        w.reasoning(reasoningText.text);
        w.signature(reasoningText.signature);
      } else if (redactedContent !== undefined) {
        w.redacted(toBase64(redactedContent));
      }
    } else if (block.toolUse !== undefined) {
      w.wholeCall(block.toolUse.toolUseId, block.toolUse.name, JSON.stringify(block.toolUse.input ?? {}));
    }
    // images, documents, citations, guard content, …: nothing rxllm maps
  }
  const raw = output.stopReason;
  if (raw === undefined) w.finish('other');
  else w.finish(mapBedrockStopReason(raw), raw);
  if (output.usage !== undefined) w.usage(mapUsage(output.usage));
}
