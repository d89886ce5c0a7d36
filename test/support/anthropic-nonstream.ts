/**
 * Builds the non-streaming Messages API response (`Message`) that corresponds to a recorded
 * stream, the way the API's stream events describe it: `message_start` gives the message,
 * content blocks are filled by their deltas, `message_delta` sets the stop reason and usage.
 * Used by the `stream: false` replay tests.
 */
import type { WireEvent } from '../../src/replay/wire.ts';

/**
 * The `Message` JSON of a recorded Anthropic stream. A tool call's `input` is its streamed
 * JSON parsed; throws when it does not parse (a cut-off call has no non-streaming equivalent).
 */
export function anthropicMessageFromEvents(events: readonly WireEvent[]): Record<string, any> {
  let message: Record<string, any> | undefined;
  const partialJson: string[] = [];
  for (const wire of events) {
    const event = (wire as { data?: any }).data;
    if (typeof event !== 'object' || event === null) continue;
    switch (event.type) {
      case 'message_start':
        message = structuredClone(event.message);
        message!.content = [];
        break;
      case 'content_block_start':
        message!.content[event.index] = structuredClone(event.content_block);
        partialJson[event.index] = '';
        break;
      case 'content_block_delta': {
        const block = message!.content[event.index];
        const d = event.delta;
        if (d.type === 'text_delta') block.text += d.text;
        else if (d.type === 'thinking_delta') block.thinking += d.thinking;
        else if (d.type === 'signature_delta') block.signature = d.signature;
        else if (d.type === 'input_json_delta') partialJson[event.index] += d.partial_json;
        break;
      }
      case 'message_delta':
        message!.stop_reason = event.delta.stop_reason;
        message!.stop_sequence = event.delta.stop_sequence;
        for (const [k, v] of Object.entries(event.usage ?? {})) if (v !== null) message!.usage[k] = v;
        break;
      default:
        break;
    }
  }
  if (!message) throw new Error('no message_start in the recorded stream');
  message.content.forEach((block: any, i: number) => {
    if (block.type === 'tool_use') block.input = JSON.parse(partialJson[i] || '{}');
  });
  return message;
}
