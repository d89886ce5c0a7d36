/**
 * The delta writer: the Delta rules every decoder writes through (no empty fragments, a
 * signature alone, indexes by position, open calls ended before the one finish, held calls,
 * bounded keys), and the decoders that rely on it.
 */
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { DeltaWriter, MAX_WIRE_INDEX } from '../src/core/delta-writer.ts';
import { MalformedChunkError } from '../src/core/errors.ts';
import { AnthropicEventMapper } from '../src/providers/anthropic/decode-stream.ts';
import { ConverseStreamMapper, metadataDelta } from '../src/providers/bedrock/decode-stream.ts';
import { ResponsesStreamMapper } from '../src/providers/openai-responses/decode-stream.ts';

function writer(): { w: DeltaWriter; deltas: Delta[] } {
  const deltas: Delta[] = [];
  return { w: new DeltaWriter({ next: (d) => deltas.push(d) }, 'p'), deltas };
}

describe('DeltaWriter', () => {
  it('writes one metadata, no empty fragments, and a signature alone on an empty reasoning delta', () => {
    const { w, deltas } = writer();
    w.metadata('id1', 7);
    w.metadata('id2', 'm');
    w.text('');
    w.text(null);
    w.text('a');
    w.reasoning('');
    w.reasoning('r');
    w.signature('');
    w.signature('sig');
    w.redacted('');
    w.redacted('xx');
    w.usage(undefined);
    expect(deltas).toStrictEqual([
      { type: 'metadata', provider: 'p', id: 'id1' },
      { type: 'text', text: 'a' },
      { type: 'reasoning', text: 'r' },
      { type: 'reasoning', text: '', signature: 'sig' },
      { type: 'reasoning', text: 'xx', redacted: true },
    ]);
  });

  it('numbers calls by position whatever the key, ends open calls before the one finish', () => {
    const { w, deltas } = writer();
    expect(w.startCall(7, 'a', 'f')).toBe(0);
    w.callArgs(7, '{"x"');
    w.callArgs(7, '');
    expect(w.startCall(3, 'b', 'g')).toBe(1);
    w.callArgs(7, ':1}');
    w.endCall(3);
    expect(w.endCall(3)).toBe(false);
    w.wholeCall('c', 'h', '{}');
    w.finish('tool-calls', 'tool_calls');
    w.finish('stop');
    expect(deltas).toStrictEqual([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argsText: '{"x"' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'g' },
      { type: 'tool-call-delta', index: 0, argsText: ':1}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'c', name: 'h' },
      { type: 'tool-call-delta', index: 2, argsText: '{}' },
      { type: 'tool-call-end', index: 2 },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls', raw: 'tool_calls' },
    ]);
  });

  it('holds a call until its name arrives, then starts it with the held arguments', () => {
    const { w, deltas } = writer();
    w.holdCall(0, undefined, undefined);
    w.callArgs(0, '{"a":');
    expect(deltas).toStrictEqual([]);
    w.nameCall(0, 'call_1', 'f');
    w.callArgs(0, '1}');
    w.holdCall(1, 'call_2', '');
    w.finish('stop');
    expect(deltas).toStrictEqual([
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argsText: '{"a":' },
      { type: 'tool-call-delta', index: 0, argsText: '1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_2', name: '' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('reset: a reset delta, then the response afresh (metadata again, calls from 0, a new finish)', () => {
    const { w, deltas } = writer();
    w.metadata('r1', 'm');
    w.startCall(0, 'a', 'f');
    w.finish('tool-calls');
    w.reset('retry');
    w.metadata('r2', 'm');
    w.startCall(5, 'b', 'g');
    w.finish('stop');
    expect(deltas.slice(4)).toStrictEqual([
      { type: 'reset', reason: 'retry' },
      { type: 'metadata', provider: 'p', id: 'r2', model: 'm' },
      { type: 'tool-call-start', index: 0, id: 'b', name: 'g' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('bounds keys from the wire', () => {
    const { w } = writer();
    expect(() => w.startCall(MAX_WIRE_INDEX + 1, 'a', 'f')).toThrow(MalformedChunkError);
    expect(() => w.startCall(-1, 'a', 'f')).toThrow(MalformedChunkError);
    expect(() => w.startCall(1.5, 'a', 'f')).toThrow(MalformedChunkError);
    expect(w.startCall(MAX_WIRE_INDEX, 'a', 'f')).toBe(0);
  });
});

describe('decoders on the writer', () => {
  it('Anthropic: a content_block_start with index 1e9 is a MalformedChunkError, allocating nothing by it', () => {
    const m = new AnthropicEventMapper({ next: () => {} });
    expect(() => m.map({ type: 'content_block_start', index: 1e9, content_block: { type: 'tool_use', id: 't', name: 'f' } })).toThrow(
      MalformedChunkError,
    );
    expect(() => m.map({ type: 'content_block_start', index: 1e9, content_block: { type: 'text', text: '' } })).toThrow(MalformedChunkError);
  });

  it('Anthropic: a second message_delta adds usage but no second finish', () => {
    const deltas: Delta[] = [];
    const m = new AnthropicEventMapper({ next: (d) => deltas.push(d) });
    m.map({ type: 'message_start', message: { id: 'msg', model: 'claude' } });
    m.map({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } });
    m.map({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 4 } });
    m.map({ type: 'message_stop' });
    expect(deltas.filter((d) => d.type === 'finish')).toStrictEqual([{ type: 'finish', reason: 'stop', raw: 'end_turn' }]);
    expect(deltas.filter((d) => d.type === 'usage')).toHaveLength(2);
    expect(m.done).toBe(true);
  });

  it('Bedrock and Responses bound their block and output indexes', () => {
    const b = new ConverseStreamMapper({ next: () => {} }, metadataDelta('m', undefined));
    expect(() => b.onEvent({ contentBlockStart: { contentBlockIndex: 2 ** 31, start: { toolUse: { toolUseId: 't', name: 'f' } } } })).toThrow(
      MalformedChunkError,
    );
    const r = new ResponsesStreamMapper({ next: () => {} });
    expect(() => r.onData('response.output_item.added', { output_index: 1e12, item: { type: 'function_call', call_id: 'c', name: 'f' } })).toThrow(
      MalformedChunkError,
    );
  });
});
