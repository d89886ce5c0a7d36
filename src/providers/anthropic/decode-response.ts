/**
 * A non-streaming Anthropic `Message` (`stream: false`) → the deltas its stream would have given.
 * @module
 */
import type { DeltaSink } from '../../core/delta.ts';
import { DeltaWriter } from '../../core/delta-writer.ts';
import { mapAnthropicStopReason } from './finish-reason.ts';
import { anthropicUsage } from './usage.ts';
import { ANTHROPIC_PROVIDER, type AnthropicMessageWire } from './wire.ts';

/**
 * Maps a non-streaming `Message` (`stream: false`) to the deltas its stream would have carried:
 * `metadata`, then per content block `text`, `reasoning` (a thinking block's text, then its
 * signature in a delta of its own with empty text, as streamed; `redacted_thinking` with
 * `redacted: true`), or a tool call's start, its whole
 * `input` as one `JSON.stringify`d `tool-call-delta`, and end; then `usage` and `finish`.
 * A tool call's `argsText` is therefore compact JSON, not the streamed text's spacing.
 */
export function mapAnthropicMessage(message: AnthropicMessageWire, out: DeltaSink): void {
  const w = new DeltaWriter(out, ANTHROPIC_PROVIDER);
  w.metadata(message.id, message.model);
  const content = message.content ?? [];
  for (let i = 0; i < content.length; i++) {
    const block = content[i]!;
    switch (block.type) {
      case 'text':
        w.text(block.text);
        break;
      case 'thinking':
        w.reasoning(block.thinking);
        w.signature(block.signature);
        break;
      case 'redacted_thinking':
        w.redacted(block.data);
        break;
      case 'tool_use':
        w.wholeCall(block.id, block.name, JSON.stringify(block.input ?? {}));
        break;
      default:
        break; // server tool blocks, as in the stream
    }
  }
  w.usage(message.usage ? anthropicUsage(message.usage, true) : undefined);
  const raw = message.stop_reason;
  if (typeof raw === 'string') w.finish(mapAnthropicStopReason(raw), raw);
  else w.finish('other');
}
