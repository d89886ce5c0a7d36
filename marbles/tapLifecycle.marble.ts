import { config, firstValueFrom, lastValueFrom, mergeMap, of, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { LifecycleHookError, StreamTruncatedError } from '../src/core/errors.ts';
import { tapLifecycle, type LifecycleHooks } from '../src/operators/tapLifecycle.ts';
import { deltaMarbles, fakeSource, finishDelta, textDeltas, usageDelta } from '../src/testing/index.ts';

const u = usageDelta({ inputTokens: 5, outputTokens: 2 });
const f = finishDelta('stop');
const values = { a: 'Hel', b: 'lo', u, f };

/** The snapshot after `Hel`, `lo` and maybe more, written out by hand. */
function snap(fields: Partial<Snapshot> & { deltaCount: number }): Snapshot {
  return { text: '', reasoning: '', toolCalls: [], ...fields };
}

describe('tapLifecycle', () => {
  let testScheduler: TestScheduler;
  /** What the hooks saw, each line prefixed with the frame. */
  let log: string[];
  /** Hooks that log every call with the frame it happened at. */
  let logging: LifecycleHooks;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
    log = [];
    const at = () => testScheduler.now();
    logging = {
      onStart: () => void log.push(`${at()} start`),
      onDelta: (d: Delta) => void log.push(`${at()} delta ${d.type === 'text' ? d.text : d.type}`),
      onComplete: (s: Snapshot) => void log.push(`${at()} complete ${s.text} ${JSON.stringify(s.usage)}`),
      onError: (e: unknown, partial: Snapshot | undefined) => void log.push(`${at()} error ${(e as Error).message} ${partial?.text}`),
      onFinalize: (end) => void log.push(`${at()} finalize ${end}`),
    };
  });

  it('passes deltas through and runs start, delta, complete (with the whole response) and finalize in order', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-(uf|)', values);
      helpers.expectObservable(source.pipe(tapLifecycle(logging))).toBe('-a-b-(uf|)', { a: { type: 'text', text: 'Hel' }, b: { type: 'text', text: 'lo' }, u, f });
      helpers.flush();
      expect(log).toEqual([
        '0 start',
        '1 delta Hel',
        '3 delta lo',
        '5 delta usage',
        '5 delta finish',
        '5 complete Hello {"inputTokens":5,"outputTokens":2}',
        '5 finalize complete',
      ]);
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('hands onComplete the snapshot of the whole response', () => {
    testScheduler.run((helpers) => {
      const seen: Snapshot[] = [];
      const source = deltaMarbles(helpers, '-a-b-(uf|)', values);
      helpers.expectObservable(source.pipe(tapLifecycle({ onComplete: (s) => void seen.push(s) }))).toBe('-a-b-(uf|)', { a: { type: 'text', text: 'Hel' }, b: { type: 'text', text: 'lo' }, u, f });
      helpers.flush();
      expect(seen).toStrictEqual([snap({ text: 'Hello', usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop', deltaCount: 4 })]);
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('runs onError with what had arrived, then finalize, on a source error', () => {
    testScheduler.run((helpers) => {
      const error = new StreamTruncatedError('the body ended', { provider: 'openai' });
      const source = deltaMarbles(helpers, '-a-#', values, error);
      helpers.expectObservable(source.pipe(tapLifecycle(logging))).toBe('-a-#', { a: { type: 'text', text: 'Hel' } }, new StreamTruncatedError('the body ended', { provider: 'openai' }));
      helpers.flush();
      expect(log).toEqual(['0 start', '1 delta Hel', '3 error the body ended Hel', '3 finalize error']);
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('runs start and complete on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '|');
      helpers.expectObservable(source.pipe(tapLifecycle(logging))).toBe('|');
      helpers.flush();
      expect(log).toEqual(['0 start', '0 complete  undefined', '0 finalize complete']);
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('runs only start on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-');
      helpers.expectObservable(source.pipe(tapLifecycle(logging))).toBe('-');
      helpers.flush();
      expect(log).toEqual(['0 start']);
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it("runs finalize('unsubscribe') on early unsubscribe, and releases the source", () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-(uf|)', values);
      helpers.expectObservable(source.pipe(tapLifecycle(logging)), '--!').toBe('-a-', { a: { type: 'text', text: 'Hel' } });
      helpers.flush();
      expect(log).toEqual(['0 start', '1 delta Hel', '2 finalize unsubscribe']);
      helpers.expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('does not break the stream when a hook throws: the failure goes to onHookError', () => {
    testScheduler.run((helpers) => {
      const failures: LifecycleHookError[] = [];
      const boom = new Error('logger down');
      const source = deltaMarbles(helpers, '-a-b-|', values);
      const hooks: LifecycleHooks = {
        onStart: () => {
          throw boom;
        },
        onDelta: (d) => {
          if (d.type === 'text' && d.text === 'lo') throw boom;
        },
        onComplete: () => {
          throw boom;
        },
        onFinalize: () => {
          throw boom;
        },
        onHookError: (e) => void failures.push(e),
      };
      helpers.expectObservable(source.pipe(tapLifecycle(hooks))).toBe('-a-b-|', { a: { type: 'text', text: 'Hel' }, b: { type: 'text', text: 'lo' } });
      helpers.flush();
      expect(failures.map((e) => [e.hook, e.cause, e.partial?.text])).toEqual([
        ['onStart', boom, undefined],
        ['onDelta', boom, 'Hello'],
        ['onComplete', boom, 'Hello'],
        ['onFinalize', boom, 'Hello'],
      ]);
      expect(failures[1]).toBeInstanceOf(LifecycleHookError);
      expect(failures[1]!.message).toBe(
        'tapLifecycle: the onDelta hook failed: Error: logger down. ' +
          'The stream went on; pass `strict: true` to stop it on hook failures, `onHookError` to handle them.',
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('with strict, errors the stream at a throwing onDelta, runs onError and releases the source at that frame', () => {
    testScheduler.run((helpers) => {
      const boom = new Error('disk full');
      const source = deltaMarbles(helpers, '-a-b-c-|', values);
      const hooks: LifecycleHooks = {
        ...logging,
        strict: true,
        onDelta: (d) => {
          if (d.type === 'text' && d.text === 'lo') throw boom;
        },
      };
      const expectedError = new LifecycleHookError(
        'tapLifecycle: the onDelta hook failed: Error: disk full. The stream was stopped (strict: true); what had arrived is in `partial`.',
        // the partial holds what was passed on: not the delta whose hook failed
        { hook: 'onDelta', cause: boom, partial: snap({ text: 'Hel', deltaCount: 1 }) },
      );
      helpers.expectObservable(source.pipe(tapLifecycle(hooks))).toBe('-a-#', { a: { type: 'text', text: 'Hel' } }, expectedError);
      helpers.flush();
      expect(log).toEqual(['0 start', '3 error tapLifecycle: the onDelta hook failed: Error: disk full. The stream was stopped (strict: true); what had arrived is in `partial`. Hel', '3 finalize error']);
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('with strict, a throwing onStart errors before the source is subscribed', () => {
    testScheduler.run((helpers) => {
      const boom = new Error('no quota');
      const source = deltaMarbles(helpers, '-a-|', values);
      const hooks: LifecycleHooks = {
        ...logging,
        strict: true,
        onStart: () => {
          throw boom;
        },
      };
      const expectedError = new LifecycleHookError(
        'tapLifecycle: the onStart hook failed: Error: no quota. The stream was stopped (strict: true); what had arrived is in `partial`.',
        { hook: 'onStart', cause: boom },
      );
      helpers.expectObservable(source.pipe(tapLifecycle(hooks))).toBe('#', undefined, expectedError);
      helpers.flush();
      expect(log).toEqual([`0 error ${expectedError.message} undefined`, '0 finalize error']);
      helpers.expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-(uf|)', values);
      const result = source.pipe(
        mergeMap((x) => of(x)),
        tapLifecycle(logging),
        mergeMap((x) => of(x)),
      );
      helpers.expectObservable(result, '--!').toBe('-a-', { a: { type: 'text', text: 'Hel' } });
      helpers.flush();
      expect(log).toEqual(['0 start', '1 delta Hel', '2 finalize unsubscribe']);
      helpers.expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it("stops a synchronous source when take() has what it needs, finalizing with 'unsubscribe'", () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '(abuf|)', values);
      helpers.expectObservable(source.pipe(tapLifecycle(logging), take(1))).toBe('(a|)', { a: { type: 'text', text: 'Hel' } });
      helpers.flush();
      expect(log).toEqual(['0 start', '0 delta Hel', '0 finalize unsubscribe']);
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('stops a source that emits in a synchronous loop as soon as take() unsubscribes', () => {
    const source = fakeSource(textDeltas('a', 'b', 'c'));
    const seen: string[] = [];
    source.pipe(tapLifecycle({ onDelta: (d) => void seen.push(d.type) }), take(1)).subscribe();
    expect(seen).toEqual(['text']);
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });

  it('calls hooks as methods of the object given', () => {
    const counter = {
      deltas: 0,
      onDelta() {
        this.deltas++;
      },
    };
    fakeSource(textDeltas('a', 'b')).pipe(tapLifecycle(counter)).subscribe();
    expect(counter.deltas).toBe(2);
  });
});

describe('tapLifecycle with promises', () => {
  afterEach(() => {
    config.onUnhandledError = null;
    vi.restoreAllMocks();
  });

  it('with strict, completes only once the promise of onComplete resolved', async () => {
    let resolve!: () => void;
    const saved = new Promise<void>((r) => (resolve = r));
    const events: string[] = [];
    fakeSource([...textDeltas('Hel', 'lo'), finishDelta('stop')])
      .pipe(
        tapLifecycle({
          strict: true,
          onComplete: (s) => {
            events.push(`saving ${s.text}`);
            return saved;
          },
          onFinalize: (end) => void events.push(`finalize ${end}`),
        }),
      )
      .subscribe({ complete: () => void events.push('completed') });
    await Promise.resolve();
    expect(events).toEqual(['saving Hello']);
    resolve();
    await saved; // the operator's own `then` on `saved` was registered first, so it already ran
    expect(events).toEqual(['saving Hello', 'completed', 'finalize complete']);
  });

  it('with strict, errors with a LifecycleHookError when the promise of onComplete rejects', async () => {
    const cause = new Error('db down');
    const result = lastValueFrom(fakeSource(textDeltas('Hel')).pipe(tapLifecycle({ strict: true, onComplete: () => Promise.reject(cause) })));
    await expect(result).rejects.toStrictEqual(
      new LifecycleHookError(
        'tapLifecycle: the onComplete hook failed: Error: db down. The stream was stopped (strict: true); what had arrived is in `partial`.',
        { hook: 'onComplete', cause, partial: snap({ text: 'Hel', deltaCount: 1 }) },
      ),
    );
  });

  it('without strict, completes at once and reports a rejected promise to onHookError', async () => {
    const cause = new Error('db down');
    const reported = new Promise<LifecycleHookError>((resolve) => {
      fakeSource(textDeltas('Hel')).pipe(tapLifecycle({ onComplete: () => Promise.reject(cause), onHookError: resolve })).subscribe();
    });
    const error = await reported;
    expect([error.hook, error.cause, error.partial?.text]).toEqual(['onComplete', cause, 'Hel']);
  });

  it('reports onError and onFinalize failures to onHookError even with strict, keeping the stream error', async () => {
    const failures: string[] = [];
    const sourceError = new StreamTruncatedError('the body ended', { provider: 'openai' });
    const result = firstValueFrom(
      fakeSource(textDeltas('Hel'), { errorAfter: 1, error: sourceError }).pipe(
        tapLifecycle({
          strict: true,
          onError: () => Promise.reject(new Error('a')),
          onFinalize: () => {
            throw new Error('b');
          },
          onHookError: (e) => void failures.push(`${e.hook} ${(e.cause as Error).message}`),
        }),
        toArray(),
      ),
    );
    await expect(result).rejects.toBe(sourceError);
    await Promise.resolve();
    expect(failures.sort()).toEqual(['onError a', 'onFinalize b']);
  });

  it("reports by default to RxJS's config.onUnhandledError when set, else console.warn", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const boom = new Error('x');
    const hooks = {
      onDelta: () => {
        throw boom;
      },
    };
    fakeSource(textDeltas('a')).pipe(tapLifecycle(hooks)).subscribe();
    expect(warn).toHaveBeenCalledTimes(1);
    expect((warn.mock.calls[0]![0] as LifecycleHookError).cause).toBe(boom);

    const unhandled: unknown[] = [];
    config.onUnhandledError = (e) => void unhandled.push(e);
    fakeSource(textDeltas('a')).pipe(tapLifecycle(hooks)).subscribe();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(unhandled).toHaveLength(1);
    expect((unhandled[0] as LifecycleHookError).hook).toBe('onDelta');
  });
});
