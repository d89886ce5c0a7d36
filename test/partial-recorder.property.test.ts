/**
 * `PartialRecorder` (what sources and `timeoutIdle` keep for `partial`) gives, for any delta
 * sequence and whenever it is read, the snapshot a `SnapshotBuilder` fed the same deltas gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { PartialRecorder } from '../src/core/partial-recorder.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';

const text = fc.string({ maxLength: 4 });
const index = fc.integer({ min: 0, max: 2 });
const deltaArb: fc.Arbitrary<Delta> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('text' as const), text }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constant('reasoning' as const), text }), weight: 3 },
  fc.record({ type: fc.constant('reasoning' as const), text, signature: fc.string({ minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('reasoning' as const), text: fc.string({ minLength: 1, maxLength: 3 }), redacted: fc.constant(true) }),
  fc.record({ type: fc.constant('refusal' as const), text }),
  fc.record({ type: fc.constant('metadata' as const), provider: fc.constantFrom('openai', 'anthropic'), id: fc.string({ maxLength: 3 }) }, { requiredKeys: ['type', 'provider'] }),
  fc.record({ type: fc.constant('tool-call-start' as const), index, id: fc.string({ maxLength: 2 }), name: fc.constantFrom('f', 'g') }),
  fc.record({ type: fc.constant('tool-call-delta' as const), index, argsText: fc.constantFrom('{', '"a"', ':1', '}') }),
  fc.record({ type: fc.constant('tool-call-end' as const), index }),
  fc.record({ type: fc.constant('usage' as const), inputTokens: fc.nat(9), outputTokens: fc.nat(9) }),
  fc.record({ type: fc.constant('finish' as const), reason: fc.constantFrom('stop' as const, 'length' as const) }),
  fc.record({ type: fc.constant('reset' as const), reason: fc.constantFrom('retry', '') }),
);

describe('PartialRecorder', () => {
  it('partial() equals SnapshotBuilder.partial() after any deltas, also when read mid-stream', () => {
    fc.assert(
      fc.property(fc.array(deltaArb, { maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (deltas, readNow) => {
        const recorder = new PartialRecorder();
        const builder = new SnapshotBuilder();
        deltas.forEach((delta, i) => {
          recorder.record(delta);
          builder.apply(delta);
          expect(recorder.deltaCount).toBe(builder.deltaCount);
          expect(recorder.contentCount).toBe(builder.contentCount);
          if (readNow[i]) expect(recorder.partial()).toStrictEqual(builder.partial());
        });
        expect(recorder.partial()).toStrictEqual(builder.partial());
      }),
      { numRuns: 500 },
    );
  });

  it('gives undefined before any delta and after a reset that was the last delta', () => {
    const recorder = new PartialRecorder();
    expect(recorder.partial()).toBeUndefined();
    recorder.record({ type: 'text', text: 'a' });
    recorder.record({ type: 'reset', reason: 'retry' });
    expect(recorder.partial()).toBeUndefined();
    recorder.record({ type: 'text', text: 'b' });
    recorder.record({ type: 'reasoning', text: 'r' });
    recorder.record({ type: 'reasoning', text: '', signature: 's' });
    recorder.record({ type: 'reasoning', text: 'q' });
    expect(recorder.partial()).toMatchObject({ text: 'b', reasoning: 'rq', reasoningSignature: 's', deltaCount: 4 });
  });
});
