/**
 * Vitest setup for the marble specs: records the diagrams each test draws (the `cold`/`hot`
 * sources, `expectObservable(...).toBe(...)` and `expectSubscriptions(...).toBe(...)` inside
 * `TestScheduler.run`) and, after a spec file, renders its first test and its first error case
 * as docs/marbles/<operator>.svg (see marble-svg.ts). The committed picture must equal the
 * rendering, so a picture can never disagree with the tested behaviour: a stale or missing SVG
 * fails the spec file; `RXLLM_UPDATE_DOCS=1 npx vitest run marbles/` rewrites them.
 * Other test files are left alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { afterAll, beforeEach, expect } from 'vitest';
import { renderMarbleSvg, type CapturedDiagram, type CapturedLine } from './marble-svg.ts';

const docs = new URL('../../docs/marbles/', import.meta.url);
let file: string | undefined;
let test = '';
const captured: CapturedDiagram[] = [];

beforeEach(() => {
  const state = expect.getState();
  file = state.testPath;
  test = state.currentTestName?.split(' > ').slice(1).join(' > ') ?? '';
});

const original = TestScheduler.prototype.run;
if (!(original as { rxllmCapture?: boolean }).rxllmCapture) {
  const run = function <T>(this: TestScheduler, callback: (helpers: RunHelpers) => T): T {
    if (file === undefined || !file.includes('/marbles/')) return original.call(this, callback) as T;
    const sources: CapturedLine[] = [];
    const subscriptions: string[] = [];
    let diagram: CapturedDiagram | undefined;
    const name = test;
    const order = captured.filter((d) => d.test === name).length;
    return original.call(this, (helpers) => {
      const wrapped: RunHelpers = {
        ...helpers,
        cold: ((marbles: string, values?: Record<string, unknown>, error?: unknown) => {
          sources.push({ marbles, values, error });
          return helpers.cold(marbles, values as never, error);
        }) as RunHelpers['cold'],
        hot: ((marbles: string, values?: Record<string, unknown>, error?: unknown) => {
          sources.push({ marbles, values, error });
          return helpers.hot(marbles, values as never, error);
        }) as RunHelpers['hot'],
        expectObservable: ((observable, subscription) => {
          const assertion = helpers.expectObservable(observable, subscription);
          return {
            ...assertion,
            toBe: (marbles: string, values?: Record<string, unknown>, error?: unknown) => {
              if (diagram === undefined && order === 0) {
                diagram = { test: name, sources: [...sources], subscriptions, expected: { marbles, values, error }, expression: expressionOf(name) };
                captured.push(diagram);
              }
              return assertion.toBe(marbles, values, error);
            },
          };
        }) as RunHelpers['expectObservable'],
        expectSubscriptions: ((logs) => {
          const assertion = helpers.expectSubscriptions(logs);
          return {
            toBe: (marbles: string | string[]) => {
              if (typeof marbles === 'string') subscriptions.push(marbles);
              return assertion.toBe(marbles);
            },
          };
        }) as RunHelpers['expectSubscriptions'],
      };
      return callback(wrapped);
    }) as T;
  };
  (run as { rxllmCapture?: boolean }).rxllmCapture = true;
  TestScheduler.prototype.run = run as typeof original;
}

/** The expression given to the first `expectObservable(` after the test's `it('name'` in the spec's text. */
function expressionOf(name: string): string {
  if (file === undefined) return '';
  const text = readFileSync(file, 'utf8');
  const last = name.split(' > ').at(-1)!;
  const at = text.indexOf(last);
  const start = text.indexOf('expectObservable(', at === -1 ? 0 : at);
  if (start === -1) return '';
  let depth = 0;
  let i = start + 'expectObservable('.length;
  const from = i;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
  }
  return text.slice(from, i).replace(/\s+/g, ' ').trim();
}

afterAll(() => {
  if (file === undefined || !file.includes('/marbles/') || captured.length === 0) return;
  const operator = basename(file).replace(/\.marble\.ts$/, '');
  const first = captured.find((d) => d.sources.length > 0) ?? captured[0]!;
  const failure = captured.find((d) => d !== first && d.sources.length > 0 && d.expected.marbles.includes('#'));
  const svg = renderMarbleSvg(operator, failure === undefined ? [first] : [first, failure]);
  const path = new URL(`${operator}.svg`, docs);
  if (process.env.RXLLM_UPDATE_DOCS === '1') {
    writeFileSync(path, svg);
    return;
  }
  const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (committed !== svg) {
    throw new Error(
      `docs/marbles/${operator}.svg ${committed === undefined ? 'is missing' : 'is stale: the spec draws a different diagram'}; ` +
        'regenerate it with `RXLLM_UPDATE_DOCS=1 npx vitest run marbles/` and commit it.',
    );
  }
});
