import { Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { toChatCompletionChunks } from '../src/sse/toChatCompletionChunks.ts';
import type { ChatCompletionChunk, ChatCompletionChunkDelta } from '../src/sse/wire.ts';
import {
  deltaMarbles,
  finishDelta,
  metadataDelta,
  reasoningDelta,
  textDelta,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const opts = { id: 'chatcmpl-x', model: 'gpt-4o', created: 1700000000 };

/** A chunk written out by hand, as OpenAI sends it. */
function chunk(delta: ChatCompletionChunkDelta, finish: string | null = null, usage?: null): ChatCompletionChunk {
  const c = { id: 'chatcmpl-x', object: 'chat.completion.chunk' as const, created: 1700000000, model: 'gpt-4o', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  return usage === null ? { ...c, usage: null } : c;
}

const values: Record<string, Delta> = {
  m: metadataDelta('anthropic', 'msg_1', 'claude'),
  a: textDelta('Hel'),
  b: textDelta('lo'),
  r: reasoningDelta('hmm'),
  x: reasoningDelta('opaque', { redacted: true }),
  s: toolCallStart(3, 'call_1', 'get_weather'),
  d: toolCallArgs(3, '{"city":'),
  e: toolCallArgs(3, '"Paris"}'),
  z: toolCallEnd(3),
  u: usageDelta({ inputTokens: 10, outputTokens: 4, reasoningTokens: 1, cachedInputTokens: 2 }),
  v: usageDelta({ outputTokens: 5 }),
  f: finishDelta('stop', 'end_turn'),
  t: finishDelta('tool-calls', 'tool_use'),
};

describe('toChatCompletionChunks', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('sends the role on the first chunk (content null before reasoning), text as content, reasoning as reasoning_content, then the finish chunk', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-m-r-a-b-u-f|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('---R-A-B---F|', {
        R: chunk({ role: 'assistant', content: null, reasoning_content: 'hmm', refusal: null }),
        A: chunk({ content: 'Hel' }),
        B: chunk({ content: 'lo' }),
        F: chunk({}, 'stop'),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('puts the role on the first content chunk when no metadata came first', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-f|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('-A-B-F|', {
        A: chunk({ role: 'assistant', content: 'Hel', refusal: null }),
        B: chunk({ content: 'lo' }),
        F: chunk({}, 'stop'),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('streams a tool call as OpenAI does: content null on the first chunk, index, id, type and name once, then argument fragments; tool_calls finish', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-m-s-d-e-z-t|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('---S-D-E---T|', {
        S: chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
          refusal: null,
        }),
        D: chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        E: chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        T: chunk({}, 'tool_calls'),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('numbers tool calls 0, 1, … in start order, also when a source index is reused after its end', () => {
    const deltas: Delta[] = [
      toolCallStart(1, 'a', 'f'),
      toolCallStart(4, 'b', 'g'),
      toolCallArgs(1, '{}'),
      toolCallEnd(1),
      toolCallStart(1, 'c', 'h'),
      toolCallArgs(1, '[]'),
    ];
    const indexes: number[] = [];
    of(...deltas)
      .pipe(toChatCompletionChunks(opts))
      .subscribe((c) => indexes.push(c.choices[0]!.delta.tool_calls![0]!.index));
    expect(indexes).toStrictEqual([0, 1, 0, 2, 2]);
  });

  it('adds usage: null to every chunk and a final usage chunk with empty choices when includeUsage', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-f-u-v|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks({ ...opts, includeUsage: true }))).toBe('-A-F----(U|)', {
        A: chunk({ role: 'assistant', content: 'Hel', refusal: null }, null, null),
        F: chunk({}, 'stop', null),
        U: {
          id: 'chatcmpl-x',
          object: 'chat.completion.chunk',
          created: 1700000000,
          model: 'gpt-4o',
          choices: [],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
            prompt_tokens_details: { cached_tokens: 2 },
            completion_tokens_details: { reasoning_tokens: 1 },
          },
        },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('writes a refusal as delta.refusal (content null on the first chunk) and logprobs as the choice’s logprobs', () => {
    const lp = [{ token: 'No', logprob: -0.5, bytes: [78, 111], top_logprobs: [] }];
    const tp = [{ token: 'Hi', logprob: -0.1, bytes: null, top_logprobs: [] }];
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-m-n-o-h-f|', {
        ...values,
        n: { type: 'refusal', text: 'No', logprobs: lp },
        o: { type: 'refusal', text: ' way' },
        h: { type: 'text', text: 'Hi', logprobs: tp },
      });
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('---N-O-H-F|', {
        N: { ...chunk({}), choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: 'No' }, logprobs: { content: null, refusal: lp }, finish_reason: null }] },
        O: chunk({ refusal: ' way' }),
        H: { ...chunk({}), choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: { content: tp, refusal: null }, finish_reason: null }] },
        F: chunk({}, 'stop'),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('writes a reset as rxllm’s extension chunk and starts the answer afresh (role again, tool calls from 0, usage forgotten)', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-s-u-x-b-f|', { ...values, x: { type: 'reset', reason: 'retry' } });
      helpers.expectObservable(source.pipe(toChatCompletionChunks({ ...opts, includeUsage: true }))).toBe('-A-S---X-B-F|', {
        A: chunk({ role: 'assistant', content: 'Hel', refusal: null }, null, null),
        S: chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, null, null),
        X: { id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o', choices: [], usage: null, rxllm_reset: { reason: 'retry' } },
        B: chunk({ role: 'assistant', content: 'lo', refusal: null }, null, null),
        F: chunk({}, 'stop', null),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('maps every finish reason back to OpenAI, keeping an unknown raw value', () => {
    const reasons = [
      finishDelta('stop'),
      finishDelta('length', 'max_tokens'),
      finishDelta('tool-calls'),
      finishDelta('content-filter', 'SAFETY'),
      finishDelta('error'),
      finishDelta('other', 'pause_turn'),
      finishDelta('other'),
    ];
    const out = reasons.map((f) => {
      let reason: string | null = null;
      of(f)
        .pipe(toChatCompletionChunks(opts))
        .subscribe((c) => (reason = c.choices[0]!.finish_reason));
      return reason;
    });
    expect(out).toStrictEqual(['stop', 'length', 'tool_calls', 'content_filter', 'error', 'pause_turn', 'other']);
  });

  it('does not send metadata, redacted reasoning or tool-call-end', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-x-m-s-z-f|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('-A-----S---F|', {
        A: chunk({ role: 'assistant', content: 'Hel', refusal: null }),
        S: chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        F: chunk({}, 'stop'),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('completes without chunks on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = helpers.cold<Delta>('|');
      helpers.expectObservable(source.pipe(toChatCompletionChunks({ ...opts, includeUsage: true }))).toBe('|');
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('never emits on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = helpers.cold<Delta>('-');
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts))).toBe('-');
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('passes a source error on (without the usage chunk)', () => {
    const error = new ProviderError('overloaded', { provider: 'anthropic', status: 529, retryable: true });
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-u-#', values, error);
      helpers.expectObservable(source.pipe(toChatCompletionChunks({ ...opts, includeUsage: true }))).toBe('-A---#', { A: chunk({ role: 'assistant', content: 'Hel', refusal: null }, null, null) }, error);
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('unsubscribes the source on early unsubscribe, and keeps unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-f|', values);
      helpers.expectObservable(source.pipe(toChatCompletionChunks(opts)), '^--!').toBe('-A-', { A: chunk({ role: 'assistant', content: 'Hel', refusal: null }) });
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops a synchronous source when take() has enough', () => {
    let emitted = 0;
    const source = new Observable<Delta>((subscriber) => {
      for (const delta of [textDelta('a'), textDelta('b'), textDelta('c'), finishDelta('stop')]) {
        if (subscriber.closed) return;
        emitted++;
        subscriber.next(delta);
      }
      subscriber.complete();
    });
    const seen: ChatCompletionChunk[] = [];
    source.pipe(toChatCompletionChunks(opts), take(1)).subscribe((c) => seen.push(c));
    expect(seen).toHaveLength(1);
    expect(emitted).toBe(1);
  });

  it('gives each subscription its own generated id and a created time in seconds', () => {
    const ids: string[] = [];
    const created: number[] = [];
    const chunks$ = of<Delta>(textDelta('a')).pipe(toChatCompletionChunks({ model: 'm' }));
    const before = Math.floor(Date.now() / 1000);
    chunks$.subscribe((c) => (ids.push(c.id), created.push(c.created)));
    chunks$.subscribe((c) => (ids.push(c.id), created.push(c.created)));
    expect(ids[0]).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(created[0]).toBeGreaterThanOrEqual(before);
    expect(created[0]).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });
});
