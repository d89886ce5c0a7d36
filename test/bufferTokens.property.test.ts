import fc from 'fast-check';
import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { bufferTokens, type BufferTokensConfig } from '../src/operators/bufferTokens.ts';
import {
  finishDelta,
  reasoningDelta,
  textDelta,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';
import { loadCase } from './support/fixtures.ts';

/**
 * The content of a delta stream, independent of how text is chunked: consecutive text (or
 * reasoning) fragments merged into one item; a reasoning signature closes its item (it is the
 * end of a thinking block); redacted reasoning and every other delta are items of their own.
 */
function canonical(deltas: readonly Delta[]): unknown[] {
  const out: unknown[] = [];
  let open: { type: 'text' | 'reasoning'; text: string; signature?: string } | null = null;
  for (const d of deltas) {
    if (d.type === 'text' || (d.type === 'reasoning' && d.redacted !== true)) {
      if (open === null || open.type !== d.type) out.push((open = { type: d.type, text: '' }));
      open.text += d.text;
      if (d.type === 'reasoning' && d.signature !== undefined) {
        open.signature = d.signature;
        open = null;
      }
    } else {
      out.push(d);
      open = null;
    }
  }
  return out;
}

function run(input: readonly Delta[], config: number | BufferTokensConfig): Delta[] {
  const out: Delta[] = [];
  from(input).pipe(bufferTokens(config)).subscribe((d) => out.push(d));
  return out;
}

const fragment = fc.string({ unit: fc.constantFrom('a', 'b', 'é', ' ', '\n', '.', '!', '字'), minLength: 1, maxLength: 6 });
const delta: fc.Arbitrary<Delta> = fc.oneof(
  { weight: 6, arbitrary: fragment.map(textDelta) },
  { weight: 3, arbitrary: fragment.map((t) => reasoningDelta(t)) },
  { weight: 1, arbitrary: fragment.map((t) => reasoningDelta(t, { signature: `sig-${t.length}` })) },
  { weight: 1, arbitrary: fragment.map((t) => reasoningDelta(t, { redacted: true })) },
  { weight: 1, arbitrary: fc.constantFrom<Delta>(usageDelta({ outputTokens: 1 }), toolCallStart(0, 'c', 'f'), finishDelta('stop')) },
);
const config: fc.Arbitrary<number | BufferTokensConfig> = fc.oneof(
  fc.integer({ min: 1, max: 6 }),
  fc.record(
    {
      size: fc.integer({ min: 1, max: 6 }),
      boundary: fc.constantFrom<BufferTokensConfig['boundary']>('word', 'line', /[.!?]\s*/),
    },
    { requiredKeys: ['boundary'] },
  ),
);

/** Whether `text` ends at a cut the boundary allows. */
function endsAtBoundary(text: string, boundary: NonNullable<BufferTokensConfig['boundary']>): boolean {
  if (boundary === 'word') return /\s$/.test(text);
  if (boundary === 'line') return text.endsWith('\n');
  return new RegExp(`(?:${boundary.source})$`).test(text);
}

describe('bufferTokens (property)', () => {
  it('loses, reorders and invents nothing: the output has the same content as the input', () => {
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 40 }), config, (input, cfg) => {
        const output = run(input, cfg);
        expect(canonical(output)).toEqual(canonical(input));
      }),
      { numRuns: 300 },
    );
  });

  it('without a boundary, joins exactly `size` consecutive fragments of a text run', () => {
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (texts, size) => {
        const output = run(texts.map(textDelta), size);
        const expected: string[] = [];
        for (let i = 0; i < texts.length; i += size) expected.push(texts.slice(i, i + size).join(''));
        expect(output.map((d) => (d.type === 'text' ? d.text : d.type))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('with a boundary, ends every emit that is not a flush at a boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fragment, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<NonNullable<BufferTokensConfig['boundary']>>('word', 'line', /[.!?]\s*/),
        (texts, size, boundary) => {
          const output = run(texts.map(textDelta), { size, boundary });
          // Only the last emit (the flush on complete) may end elsewhere.
          for (const d of output.slice(0, -1)) expect(endsAtBoundary((d as { text: string }).text, boundary)).toBe(true);
          expect(output.map((d) => (d as { text: string }).text).join('')).toBe(texts.join(''));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with maxDelay in virtual time, keeps content and order, and holds no text longer than maxDelay', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(delta, fc.integer({ min: 0, max: 6 })), { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
        fc.option(fc.constantFrom<BufferTokensConfig['boundary']>('word', 'line'), { nil: undefined }),
        (timed, maxDelay, size, boundary) => {
          const testScheduler = new TestScheduler((a, e) => expect(a).toStrictEqual(e));
          const input: { frame: number; delta: Delta }[] = [];
          const output: { frame: number; delta: Delta }[] = [];
          let ended = -1;
          testScheduler.run(({ cold }) => {
            // One marble letter per delta (characters that are not marble syntax), gaps as frames.
            const values: Record<string, Delta> = {};
            let marbles = '';
            timed.forEach(([delta, gap], i) => {
              const key = String.fromCharCode(0x100 + i);
              values[key] = delta;
              marbles += '-'.repeat(gap) + key;
              input.push({ frame: marbles.length - 1, delta });
            });
            cold<Delta>(`${marbles}--|`, values)
              .pipe(bufferTokens({ maxDelay, size, boundary }))
              .subscribe({
                next: (delta) => output.push({ frame: testScheduler.now(), delta }),
                complete: () => (ended = testScheduler.now()),
              });
          });
          expect(canonical(output.map((o) => o.delta))).toEqual(canonical(input.map((i) => i.delta)));
          expect(ended).toBe(timed.reduce((n, [, gap]) => n + gap + 1, 0) + 2);
          if (boundary !== undefined) return;
          // Without a boundary, every character is out by maxDelay after it arrived, and none earlier than it arrived.
          const charsBy = (events: { frame: number; delta: Delta }[], frame: number) =>
            events.reduce((n, e) => n + (e.frame <= frame && (e.delta.type === 'text' || e.delta.type === 'reasoning') ? e.delta.text.length : 0), 0);
          for (const { frame } of input) {
            expect(charsBy(output, frame + maxDelay)).toBeGreaterThanOrEqual(charsBy(input, frame));
            expect(charsBy(output, frame)).toBeLessThanOrEqual(charsBy(input, frame));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('re-chunks a recorded 300-chunk OpenAI stream without changing its text', () => {
    const fixture = loadCase('openai-chat/text-long');
    const input = fixture.events
      .map((e) => (e.data as { choices?: { delta?: { content?: string } }[] })?.choices?.[0]?.delta?.content)
      .filter((t): t is string => typeof t === 'string' && t !== '')
      .map(textDelta);
    expect(input.length).toBeGreaterThan(250);
    for (const cfg of [4, { boundary: 'word' as const }, { size: 8, boundary: 'line' as const }]) {
      const output = run(input, cfg);
      expect(output.length).toBeLessThan(input.length);
      expect(output.map((d) => (d as { text: string }).text).join('')).toBe(fixture.expect.text);
    }
  });
});
