import { type MonoTypeOperatorFunction, Observable, Subscriber } from 'rxjs';
import { catchUpDeltas } from '../core/catch-up-deltas.ts';
import type { Delta } from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/** Options of {@link shareSnapshot}. */
export interface ShareSnapshotConfig {
  /**
   * What a subscriber arriving after the source completed or errored gets: `'snapshot'`
   * (default) the final state as a catch-up, then the same complete or error; `'resubscribe'`
   * a new request (the final state is then not kept).
   */
  readonly afterEnd?: 'snapshot' | 'resubscribe';
}

/**
 * Shares one request among many subscribers: a subscriber arriving late first gets the answer
 * so far as a short catch-up, then the live deltas. Holds the snapshot, never the delta history.
 *
 * <span class="informal">`share()` with a catch-up for late subscribers; `shareReplay()` with
 * memory bounded by the answer's size instead of the number of deltas.</span>
 *
 * ```
 * source:        -m-a------b------c-(f|)      a = 'Hel', b = 'lo', c = '!' (text)
 * subscriber 1:  ^                            -m-a------b------c-(f|)
 * subscriber 2:      ^                        ----(ma)--b------c-(f|)    the catch-up first
 * subscriber 3:             ^                 -----------(mA)--c-(f|)    A = text 'Hello'
 * ```
 *
 * The first subscriber subscribes the source; the others join that one request. A late
 * subscriber receives, synchronously on subscribe, the fewest deltas that `accumulate()` turns
 * into the current snapshot (metadata, the reasoning, the text so far, each tool call, usage,
 * finish: one delta each), then every next delta; its accumulated snapshot equals the others'
 * except for `deltaCount`. Memory: one snapshot (text and reasoning as strings, tool calls),
 * whatever the number of deltas or subscribers. A `reset` from the source empties the snapshot.
 *
 * On complete or error: every subscriber completes or errors with the same error. A subscriber
 * arriving afterwards gets the final catch-up and the same end (`afterEnd: 'snapshot'`), or
 * sends a new request (`'resubscribe'`). On unsubscribe: when the last subscriber leaves before
 * the end, the source is unsubscribed (its request aborted) and the snapshot dropped; the next
 * subscriber sends a new request.
 *
 * @example A UI, a logger and a persister on one request
 * ```ts
 * const answer$ = stream(target, request).pipe(shareSnapshot());
 * answer$.pipe(accumulate()).subscribe(render);
 * answer$.pipe(toolCalls()).subscribe(runTool);
 * setTimeout(() => answer$.pipe(accumulate(), last()).subscribe(save), 1_000); // joins late, misses nothing
 * ```
 *
 * @see {@link accumulate}
 *
 * @param config `afterEnd`.
 * @return A function that returns a shared Observable of the source's deltas, with a catch-up for late subscribers.
 */
export function shareSnapshot(config: ShareSnapshotConfig = {}): MonoTypeOperatorFunction<Delta> {
  const { afterEnd = 'snapshot' } = config;
  if (afterEnd !== 'snapshot' && afterEnd !== 'resubscribe') {
    throw new TypeError(`shareSnapshot: \`afterEnd\` must be 'snapshot' or 'resubscribe', got ${String(afterEnd)}.`);
  }
  return (source) => {
    let subscribers: Subscriber<Delta>[] = [];
    let connection: Connection | null = null;
    /** The answer so far (or the final one, after the end with `'snapshot'`). */
    let state: SnapshotBuilder | null = null;
    /** How the source ended; null while running or before the first subscriber. */
    let end: { readonly error: boolean; readonly value: unknown } | null = null;

    const finish = (ending: { error: boolean; value: unknown }) => {
      end = ending;
      connection = null;
      if (afterEnd === 'resubscribe') state = null;
      const ended = subscribers;
      subscribers = [];
      for (const s of ended) {
        if (ending.error) s.error(ending.value);
        else s.complete();
      }
    };

    return new Observable<Delta>((subscriber) => {
      if (end !== null && afterEnd === 'snapshot') {
        for (const delta of catchUpDeltas(state!.snapshot())) subscriber.next(delta);
        if (end.error) subscriber.error(end.value);
        else subscriber.complete();
        return;
      }
      if (connection !== null) {
        for (const delta of catchUpDeltas(state!.snapshot())) {
          if (subscriber.closed) return;
          subscriber.next(delta);
        }
      }
      if (subscriber.closed) return;
      subscribers.push(subscriber);
      // Before connecting: a synchronous source stopped by `take` must reach this teardown.
      subscriber.add(() => {
        const at = subscribers.indexOf(subscriber);
        if (at === -1) return;
        subscribers.splice(at, 1);
        if (subscribers.length === 0 && connection !== null) {
          const conn = connection;
          connection = null;
          state = null;
          conn.unsubscribe();
        }
      });
      if (connection === null) {
        end = null;
        state = new SnapshotBuilder();
        const builder = state;
        const compact = compactor();
        const conn = new Connection({
          next(delta) {
            builder.apply(delta);
            compact(builder);
            for (const s of subscribers.slice()) s.next(delta);
          },
          error: (err: unknown) => finish({ error: true, value: err }),
          complete: () => finish({ error: false, value: undefined }),
        });
        connection = conn;
        source.subscribe(conn);
      }
    });
  };
}

/**
 * Keeps the held text and reasoning nearly flat: `+=` builds a rope, a node of about 32 bytes per
 * fragment that holds the fragment alive (for 4-character fragments, over ten times the text's
 * size). The text (and the reasoning) is flattened each time it grew by a sixteenth since the
 * last time (at least 16 K characters): the rope part stays under a sixteenth of the text, and
 * the copies cost O(1) amortized per character.
 */
function compactor(): (builder: SnapshotBuilder) => void {
  let flatText = 0;
  let flatReasoning = 0;
  const due = (length: number, flatAt: number) => length - flatAt >= Math.max(16_384, flatAt / 16) || length < flatAt;
  return (builder) => {
    if (due(builder.text.length, flatText)) {
      builder.text = flat(builder.text);
      flatText = builder.text.length;
    }
    if (due(builder.reasoning.length, flatReasoning)) {
      builder.reasoning = flat(builder.reasoning);
      flatReasoning = builder.reasoning.length;
    }
  };
}

/** `text` as a flat string (V8 flattens a rope in place when it is read as a number). */
function flat(text: string): string {
  // the conversion is the point: reading a rope as a number flattens it (the flatstr technique)
  (text as unknown as number) | 0;
  return text;
}

/** The one subscription to the source. */
class Connection extends Subscriber<Delta> {
  private readonly handlers: { next(d: Delta): void; error(e: unknown): void; complete(): void };

  constructor(handlers: { next(d: Delta): void; error(e: unknown): void; complete(): void }) {
    super();
    this.handlers = handlers;
  }

  protected override _next(value: Delta): void {
    this.handlers.next(value);
  }

  protected override _error(err: unknown): void {
    this.unsubscribe();
    this.handlers.error(err);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.handlers.complete();
  }
}
