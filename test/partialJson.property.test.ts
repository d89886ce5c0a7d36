import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { PartialTree } from '../src/json/partial-tree.ts';
import { StreamedJson } from '../src/json/streamed-json.ts';
import { jsonPatches } from '../src/operators/jsonPatches.ts';
import { PatchBuilder } from '../src/json/patch-builder.ts';
import { partialJson } from '../src/operators/partialJson.ts';
import { applyPatches, choices, isPartialOf, jsonValue, sharesUnchanged, splitAt, writeJson } from './support/json-text.ts';

const cuts = fc.array(fc.nat(100_000), { maxLength: 40 });

/** JSON.parse's verdict: the value, or `FAIL`. */
const FAIL = Symbol('fail');
function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return FAIL;
  }
}

/** Our verdict on `text` fed in `parts`: the value, or `FAIL`. */
function scan(parts: readonly string[], showOpenStrings = true): unknown {
  const tree = new PartialTree(showOpenStrings);
  const doc = new StreamedJson(tree);
  for (const part of parts) if (!doc.write(part)) return FAIL;
  return doc.end() ? tree.value : FAIL;
}

describe('the incremental JSON parser against JSON.parse', () => {
  it('accepts every prefix of a document exactly when JSON.parse does, with the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), choices, cuts, (value, ch, cut) => {
        const text = writeJson(value, ch);
        for (let k = 0; k <= text.length; k++) {
          const prefix = text.slice(0, k);
          expect(scan(splitAt(prefix, cut))).toStrictEqual(parse(prefix));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with JSON.parse on corrupted documents (a character inserted, replaced or deleted)', () => {
    const noise = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '-', '.', 'e', '0', '1', ' ', 'x', 'u', 't', 'n', '\u0001', '\ud83d');
    fc.assert(
      fc.property(jsonValue, choices, cuts, fc.nat(), noise, fc.constantFrom('insert', 'replace', 'delete'), (value, ch, cut, at, c, how) => {
        const text = writeJson(value, ch);
        const i = at % (text.length + 1);
        const bad = text.slice(0, i) + (how === 'delete' ? '' : c) + text.slice(how === 'insert' ? i : i + 1);
        expect(scan(splitAt(bad, cut))).toStrictEqual(parse(bad));
      }),
      { numRuns: 1000 },
    );
  });

  it('emits beginnings of the document that keep unchanged containers identical, in both string modes', () => {
    fc.assert(
      fc.property(jsonValue, choices, cuts, fc.boolean(), (value, ch, cut, showOpenStrings) => {
        const text = writeJson(value, ch);
        const whole = JSON.parse(text) as unknown;
        const tree = new PartialTree(showOpenStrings);
        const doc = new StreamedJson(tree);
        let previous: unknown;
        for (const part of splitAt(text, cut)) {
          expect(doc.write(part)).toBe(true);
          const snapshot = tree.snapshot();
          expect(isPartialOf(snapshot, whole)).toBe(true);
          expect(sharesUnchanged(previous, snapshot)).toBe(true);
          previous = snapshot;
        }
        expect(doc.end()).toBe(true);
        expect(tree.value).toStrictEqual(whole);
        expect(sharesUnchanged(previous, tree.value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a document inside a ```json fence with whitespace around it, and nothing else after it', () => {
    const space = fc.constantFrom('', ' ', '\n', ' \n\t');
    fc.assert(
      fc.property(jsonValue, choices, cuts, space, space, fc.constantFrom('json', 'JSON', ''), (value, ch, cut, before, after, info) => {
        const text = writeJson(value, ch);
        const fenced = `${before}\`\`\`${info}\n${text}\n\`\`\`${after}`;
        expect(scan(splitAt(fenced, cut))).toStrictEqual(JSON.parse(text));
        expect(scan(splitAt(`${fenced}x`, cut))).toBe(FAIL);
        expect(scan(splitAt(`${text}\`\`\``, cut))).toBe(FAIL); // a closing fence without an opening one
      }),
      { numRuns: 200 },
    );
  });

  it('parses deep nesting without recursion', () => {
    const depth = 1000;
    const text = `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
    expect(scan(splitAt(text, [7, 5000, 12_345]))).toStrictEqual(JSON.parse(text));
    expect(scan([text.slice(0, -1)])).toBe(FAIL);
  });
});

describe('partialJson on random documents and chunkings', () => {
  it('ends with the complete value of JSON.parse, every earlier emission incomplete and a beginning of it', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue, choices, cuts, fc.constantFrom('change' as const, 'value' as const), async (value, ch, cut, emit) => {
        const text = writeJson(value, ch);
        const whole = JSON.parse(text) as unknown;
        const deltas: Delta[] = splitAt(text, cut).map((t) => ({ type: 'text', text: t }));
        const out = await lastValueFrom(from(deltas).pipe(partialJson({ emit }), toArray()));
        const last = out.at(-1)!;
        expect(last).toStrictEqual({ partial: whole, complete: true, value: whole });
        for (const e of out.slice(0, -1)) {
          expect(e.complete).toBe(false);
          expect(isPartialOf(e.partial, whole)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('jsonPatches on random documents and chunkings', () => {
  it('rebuilds, delta by delta, exactly the partial document of partialJson, and at the end JSON.parse', () => {
    fc.assert(
      fc.property(jsonValue, choices, cuts, fc.boolean(), (value, ch, cut, showOpenStrings) => {
        const text = writeJson(value, ch);
        const tree = new PartialTree(showOpenStrings);
        const patches = new PatchBuilder(showOpenStrings);
        const treeDoc = new StreamedJson(tree);
        const patchDoc = new StreamedJson(patches);
        let rebuilt: unknown;
        for (const part of splitAt(text, cut)) {
          treeDoc.write(part);
          patchDoc.write(part);
          rebuilt = applyPatches(rebuilt, patches.take());
          expect(rebuilt).toStrictEqual(tree.snapshot());
        }
        patchDoc.end();
        expect(applyPatches(rebuilt, patches.take())).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('the operator emits the operations and completes', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue, choices, cuts, async (value, ch, cut) => {
        const text = writeJson(value, ch);
        const deltas: Delta[] = splitAt(text, cut).map((t) => ({ type: 'text', text: t }));
        const batches = await lastValueFrom(from(deltas).pipe(jsonPatches(), toArray()));
        expect(batches.every((ops) => ops.length > 0)).toBe(true);
        expect(batches.reduce<unknown>((doc, ops) => applyPatches(doc, ops), undefined)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 100 },
    );
  });
});
