import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { last, lastValueFrom, map, retry, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import {
  createDeltaTestScheduler,
  deltaMarbles,
  deltaValues,
  fakeSource,
  finishDelta,
  metadataDelta,
  reasoningDelta,
  snapshotOf,
  textDelta,
  textDeltas,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const strict = (actual: unknown, expected: unknown) => expect(actual).toStrictEqual(expected);

describe('delta builders', () => {
  it('build exactly the Delta shapes, without undefined optional fields', () => {
    expect(textDelta('Hi')).toStrictEqual({ type: 'text', text: 'Hi' });
    expect(textDeltas('Hel', 'lo')).toStrictEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
    ]);
    expect(reasoningDelta('hm')).toStrictEqual({ type: 'reasoning', text: 'hm' });
    expect(reasoningDelta('hm', { signature: 's' })).toStrictEqual({ type: 'reasoning', text: 'hm', signature: 's' });
    expect(reasoningDelta('x', { redacted: true })).toStrictEqual({ type: 'reasoning', text: 'x', redacted: true });
    expect(toolCallStart(1, 'call_1', 'f')).toStrictEqual({ type: 'tool-call-start', index: 1, id: 'call_1', name: 'f' });
    expect(toolCallArgs(1, '{}')).toStrictEqual({ type: 'tool-call-delta', index: 1, argsText: '{}' });
    expect(toolCallEnd(1)).toStrictEqual({ type: 'tool-call-end', index: 1 });
    expect(usageDelta({ inputTokens: 3 })).toStrictEqual({ type: 'usage', inputTokens: 3 });
    expect(finishDelta('stop')).toStrictEqual({ type: 'finish', reason: 'stop' });
    expect(finishDelta('length', 'max_tokens')).toStrictEqual({ type: 'finish', reason: 'length', raw: 'max_tokens' });
    expect(metadataDelta('openai')).toStrictEqual({ type: 'metadata', provider: 'openai' });
    expect(metadataDelta('openai', 'id-1', 'gpt-4o')).toStrictEqual({ type: 'metadata', provider: 'openai', id: 'id-1', model: 'gpt-4o' });
  });

  it('snapshotOf gives what accumulate() ends with', async () => {
    const deltas: Delta[] = [
      metadataDelta('anthropic', 'msg_1', 'claude'),
      reasoningDelta('hm', { signature: 'sig' }),
      textDelta('Hi'),
      toolCallStart(0, 'toolu_1', 'search'),
      toolCallArgs(0, '{"q":1}'),
      toolCallEnd(0),
      usageDelta({ outputTokens: 7 }),
      finishDelta('tool-calls', 'tool_use'),
    ];
    const accumulated = await lastValueFrom(fakeSource(deltas).pipe(accumulate(), last()));
    expect(snapshotOf(deltas)).toStrictEqual(accumulated);
    expect(snapshotOf(deltas).toolCalls[0]!.args).toEqual({ q: 1 });
    expect(snapshotOf([])).toStrictEqual({ text: '', reasoning: '', toolCalls: [], deltaCount: 0 });
  });
});

describe('marble helpers', () => {
  it('deltaValues maps strings to text deltas and keeps deltas', () => {
    const r = reasoningDelta('hm');
    expect(deltaValues({ a: 'Hel', r })).toStrictEqual({ a: { type: 'text', text: 'Hel' }, r });
  });

  it('deltaMarbles builds a cold Observable<Delta> whose subscriptions can be checked', () => {
    const testScheduler = createDeltaTestScheduler(strict);
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-(f|)', { a: 'Hel', b: 'lo', f: finishDelta('stop') });
      helpers.expectObservable(source).toBe('-a-b-(f|)', {
        a: { type: 'text', text: 'Hel' },
        b: { type: 'text', text: 'lo' },
        f: { type: 'finish', reason: 'stop' },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('deltaMarbles without values makes each letter a text delta of itself, and # the given error', () => {
    const testScheduler = createDeltaTestScheduler(strict);
    const error = new ProviderError('overloaded', { provider: 'anthropic', retryable: true });
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-x-y-#', undefined, error);
      helpers.expectObservable(source.pipe(accumulate(), map((s) => s.text))).toBe('-a-b-#', { a: 'x', b: 'xy' }, error);
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('createDeltaTestScheduler fails a test whose expectation differs, with the given deep equality', () => {
    const testScheduler = createDeltaTestScheduler(strict);
    expect(() =>
      testScheduler.run((helpers) => {
        const source = deltaMarbles(helpers, '-a|', { a: 'Hel' });
        helpers.expectObservable(source).toBe('-a|', deltaValues({ a: 'Help' }));
      }),
    ).toThrow();
    // A look-alike plain Error does not pass for a typed one.
    expect(() =>
      createDeltaTestScheduler(strict).run((helpers) => {
        const source = deltaMarbles(helpers, '#', undefined, new StreamTruncatedError('cut', { provider: 'openai' }));
        helpers.expectObservable(source).toBe('#', undefined, new Error('cut'));
      }),
    ).toThrow();
  });
});

describe('fakeSource', () => {
  it('emits the deltas synchronously and completes, counting one request', async () => {
    const source = fakeSource(textDeltas('a', 'b'));
    expect(await lastValueFrom(source.pipe(toArray()))).toStrictEqual(textDeltas('a', 'b'));
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 0 });
  });

  it('errors after errorAfter deltas with a StreamTruncatedError carrying what arrived', async () => {
    const source = fakeSource(textDeltas('Hel', 'lo'), { errorAfter: 1 });
    const error = await lastValueFrom(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial).toStrictEqual(snapshotOf(textDeltas('Hel')));
  });

  it('makes a fresh error per subscription from a factory, so retry sees each request fail apart', async () => {
    const made: ProviderError[] = [];
    const source = fakeSource(textDeltas('Hel'), {
      errorAfter: 0,
      error: () => {
        const e = new ProviderError('rate limited', { provider: 'openai', status: 429, retryable: true });
        made.push(e);
        return e;
      },
    });
    const error = await lastValueFrom(source.pipe(retry(2))).catch((e: unknown) => e);
    expect(source.requests).toBe(3);
    expect(made).toHaveLength(3);
    expect(error).toBe(made[2]);
    expect(made[2]!.partial).toBeUndefined();
  });

  it('spaces events delayMs apart on the scheduler (virtual time in TestScheduler.run)', () => {
    const testScheduler = createDeltaTestScheduler(strict);
    testScheduler.run(({ expectObservable }) => {
      const source = fakeSource(textDeltas('a', 'b'), { delayMs: 3 });
      expectObservable(source).toBe('---a--b--|', deltaValues({ a: 'a', b: 'b' }));
    });
  });

  it('counts a subscription stopped early as aborted, and stops its scheduled events', () => {
    const testScheduler = createDeltaTestScheduler(strict);
    const source = fakeSource(textDeltas('a', 'b', 'c'), { delayMs: 2 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(source.pipe(take(1))).toBe('--(a|)', deltaValues({ a: 'a' }));
    });
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });

  it('throws a RangeError for a negative errorAfter or delayMs', () => {
    expect(() => fakeSource([], { errorAfter: -1 })).toThrow(RangeError);
    expect(() => fakeSource([], { delayMs: -5 })).toThrow(RangeError);
  });
});

describe('rxllm/testing', () => {
  it('imports no Node-only module and does not import vitest (it runs in browsers and any test framework)', () => {
    const seen = new Set<string>();
    const banned: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, ''); // docstrings may show imports
      for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!));
        else if (spec!.startsWith('node:') || builtinModules.includes(spec!) || spec === 'vitest' || spec!.startsWith('vitest/')) {
          banned.push(`${file}: ${spec}`);
        }
      }
    };
    visit(fileURLToPath(new URL('../src/testing/index.ts', import.meta.url)));
    expect(seen.size).toBeGreaterThan(3);
    expect(banned).toEqual([]);
  });
});
