import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { splitReasoning } from '../src/operators/splitReasoning.ts';
import { textDelta, usageDelta } from '../src/testing/index.ts';
import { loadCase } from './support/fixtures.ts';

type Segment = readonly ['text' | 'reasoning', string];

/**
 * The reference: splits the whole string at once, leftmost tag first, as the contract says
 * (text between `open` and `close` is reasoning, the tags are stripped, an unclosed section
 * runs to the end). Adjacent segments of one kind are merged; empty ones dropped.
 */
function splitWhole(text: string, open: string, close: string, startInReasoning: boolean): Segment[] {
  const out: Segment[] = [];
  let inside = startInReasoning;
  let pos = 0;
  for (;;) {
    const tag = inside ? close : open;
    const at = text.indexOf(tag, pos);
    push(out, [inside ? 'reasoning' : 'text', text.slice(pos, at === -1 ? text.length : at)]);
    if (at === -1) return out;
    pos = at + tag.length;
    inside = !inside;
  }
}

function push(out: Segment[], [kind, text]: Segment): void {
  if (text === '') return;
  const last = out[out.length - 1];
  if (last !== undefined && last[0] === kind) out[out.length - 1] = [kind, last[1] + text];
  else out.push([kind, text]);
}

/** The operator's output as merged segments, and how many usage deltas passed. */
function segmentsOf(deltas: readonly Delta[]): { segments: Segment[]; usage: number } {
  const segments: Segment[] = [];
  let usage = 0;
  for (const d of deltas) {
    if (d.type === 'text' || d.type === 'reasoning') push(segments, [d.type, d.text]);
    else if (d.type === 'usage') usage++;
  }
  return { segments, usage };
}

/** Cuts `text` at the given positions (any order, duplicates allowed) into non-empty chunks. */
function chunk(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const c of [...at, text.length]) {
    if (c > from) chunks.push(text.slice(from, c));
    from = Math.max(from, c);
  }
  return chunks;
}

const tagPairs: readonly (readonly [string, string])[] = [
  ['<think>', '</think>'],
  ['<thinking>', '</thinking>'],
  ['<<', '>>'],
  ['[R]', '[/R]'],
];

/** A tag pair, and texts built from its tags, their prefixes and a few letters. */
const tagged = fc.constantFrom(...tagPairs).chain(([open, close]) => {
  const prefixes = [open, close].flatMap((tag) => Array.from({ length: tag.length }, (_, i) => tag.slice(0, i + 1)));
  const unit = fc.constantFrom(...prefixes, open, close, open, close, 'a', 'b', ' ', '\n', '<', '>', '/');
  return fc.record({
    open: fc.constant(open),
    close: fc.constant(close),
    text: fc.array(unit, { maxLength: 30 }).map((units) => units.join('')),
    startInReasoning: fc.boolean(),
    cuts: fc.array(fc.nat(), { maxLength: 15 }),
    usageAfter: fc.array(fc.nat(), { maxLength: 3 }),
  });
});

describe('splitReasoning (property)', () => {
  it('gives the same text and reasoning for every chunking as splitting the whole string at once', () => {
    fc.assert(
      fc.property(tagged, ({ open, close, text, startInReasoning, cuts, usageAfter }) => {
        const chunks = chunk(text, cuts);
        const input: Delta[] = [];
        chunks.forEach((c, i) => {
          input.push(textDelta(c));
          if (usageAfter.some((n) => n % (chunks.length + 1) === i)) input.push(usageDelta({ outputTokens: i }));
        });
        const output: Delta[] = [];
        const feed = new Subject<Delta>();
        feed.pipe(splitReasoning({ open, close, startInReasoning })).subscribe((d) => output.push(d));
        // After every delta, the content emitted so far is the reference of the input so far,
        // short of at most a possible tag (tag length − 1 characters) held back.
        const maxHeld = Math.max(open.length, close.length) - 1;
        let consumed = '';
        for (const d of input) {
          feed.next(d);
          if (d.type !== 'text') continue;
          consumed += d.text;
          const expected = splitWhole(consumed, open, close, startInReasoning).reduce((n, [, t]) => n + t.length, 0);
          const emitted = segmentsOf(output).segments.reduce((n, [, t]) => n + t.length, 0);
          expect(emitted).toBeLessThanOrEqual(expected);
          expect(emitted).toBeGreaterThanOrEqual(expected - maxHeld);
        }
        feed.complete();
        const { segments, usage } = segmentsOf(output);
        expect(segments).toEqual(splitWhole(text, open, close, startInReasoning));
        expect(usage).toBe(input.length - chunks.length);
        expect(output.every((d) => d.type !== 'text' || d.text !== '')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('splits a recorded Bedrock stream whose <thinking> tag is split across chunks', () => {
    const chunks = loadCase('bedrock/tool-use')
      .events.map((e) => (e as { contentBlockDelta?: { delta?: { text?: string } } }).contentBlockDelta?.delta?.text)
      .filter((t): t is string => t !== undefined && t !== '');
    const whole = chunks.join('');
    expect(chunks[0]).toBe('<thinking');
    const output: Delta[] = [];
    const feed = new Subject<Delta>();
    feed.pipe(splitReasoning({ open: '<thinking>', close: '</thinking>' })).subscribe((d) => output.push(d));
    for (const c of chunks) feed.next(textDelta(c));
    feed.complete();
    const { segments } = segmentsOf(output);
    expect(segments).toEqual(splitWhole(whole, '<thinking>', '</thinking>', false));
    expect(segments[0]![0]).toBe('reasoning');
    expect(segments[0]![1]).toContain('capital of France is Paris');
    expect(segments.map(([, t]) => t).join('')).not.toContain('thinking>');
  });
});
