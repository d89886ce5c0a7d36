/**
 * Property: however the bytes of an SSE stream are cut into reads (inside multi-byte UTF-8
 * characters, between the CR and LF of a line end, one byte at a time), fromSSE gives the same
 * deltas as for the body in one piece.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { fromSSE, toChatCompletionChunks, toServerSentEvents } from '../src/sse/index.ts';
import { finishDelta, metadataDelta, reasoningDelta, textDelta, toolCallArgs, toolCallStart } from '../src/testing/index.ts';
import { loadCase } from './support/fixtures.ts';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The body with every LF line end turned into CRLF (SSE allows both; JSON data has no raw LF). */
function withCRLF(body: Uint8Array): Uint8Array {
  return new TextEncoder().encode(new TextDecoder().decode(body).replaceAll('\n', '\r\n'));
}

/** Decodes `body` fed as the reads between `cuts` (sorted, deduplicated byte offsets). */
async function decode(body: Uint8Array, cuts: readonly number[]): Promise<Delta[]> {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const reads: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) reads.push(body.subarray(at, p));
    at = Math.max(at, p);
  }
  if (at < body.length) reads.push(body.subarray(at));
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < reads.length) c.enqueue(reads[i++]!);
      else c.close();
    },
  });
  return lastValueFrom(fromSSE(stream).pipe(toArray()));
}

/** Offsets that cut inside a multi-byte character or between CR and LF. */
function trickyOffsets(body: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < body.length; i++) {
    const continuation = (body[i]! & 0xc0) === 0x80;
    if (continuation || (body[i - 1] === 0x0d && body[i] === 0x0a)) out.push(i);
  }
  return out;
}

// An rxllm-encoded stream full of multi-byte text (2-, 3- and 4-byte UTF-8) and tool calls.
const encoded = await lastValueFrom(
  from<Delta[]>([
    metadataDelta('x'),
    reasoningDelta('Überlegung: 思考 🤔'),
    textDelta('Grüße, 世界! 👋🏽'),
    textDelta('\u2028 ok\n'),
    toolCallStart(0, 'call_1', 'lookup'),
    toolCallArgs(0, '{"q":"naïve ☕"}'),
    finishDelta('tool-calls'),
  ]).pipe(toChatCompletionChunks({ model: 'm', id: 'chatcmpl-1', created: 1 }), toServerSentEvents(), toArray()),
);

const bodies: [string, Uint8Array][] = [
  ['deepseek-reasoning (emoji), LF', concat(loadCase('openai-compatible/deepseek-reasoning').parts!)],
  ['openai tool-call, CRLF', withCRLF(concat(loadCase('openai-chat/tool-call').parts!))],
  ['rxllm-encoded multi-byte text, LF', new TextEncoder().encode(encoded.join(''))],
  ['rxllm-encoded multi-byte text, CRLF', withCRLF(new TextEncoder().encode(encoded.join('')))],
];

describe('fromSSE decodes any byte chunking to the same deltas', () => {
  it.each(bodies)('%s', async (_name, body) => {
    const whole = await decode(body, []);
    expect(whole.some((d) => d.type === 'finish')).toBe(true);
    const tricky = trickyOffsets(body);
    expect(tricky.length).toBeGreaterThan(0);
    const offset = fc.oneof(fc.integer({ min: 0, max: body.length }), fc.constantFrom(...tricky));
    await fc.assert(
      fc.asyncProperty(fc.array(offset, { maxLength: 40 }), async (cuts) => {
        expect(await decode(body, cuts)).toStrictEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('one byte per read', async () => {
    const [, body] = bodies[3]!;
    const every = Array.from({ length: body.length }, (_, i) => i);
    expect(await decode(body, every)).toStrictEqual(await decode(body, []));
  });
});
