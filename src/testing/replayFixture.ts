/**
 * `replayFixture`: a real recorded provider stream as a cold `Observable<Delta>` on a scheduler.
 * @module
 */
import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { truncatedError } from '../core/error-classification.ts';
import { RxllmError } from '../core/errors.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';
import { loadRecording } from './load-recording.ts';
import { detectFormat, recordedDecoder, type RecordedEvent, type RecordingFormat } from './recorded-decoder.ts';

/** A recording given as data: its wire events (one per `.jsonl` line), and its format when it cannot be told from them. */
export interface Recording {
  readonly events: readonly RecordedEvent[];
  readonly format?: RecordingFormat;
  /** The model that answered (Bedrock's metadata delta carries it; the other formats name it in their events). */
  readonly model?: string;
}

/**
 * When each recorded event arrives, in ms (frames under `TestScheduler.run`): one number for the
 * time between events (the first one too), `{ first, interval }` for a different time before the
 * first, or a function of the event's index (0-based) giving the time since the previous event:
 * a stall is one long pause.
 */
export type ReplayPace = number | { readonly first: number; readonly interval: number } | ((index: number) => number);

/** Options of {@link replayFixture}. */
export interface ReplayFixtureOptions {
  /** The scheduler the events are timed on; default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
  /** When each event arrives (see {@link ReplayPace}); default 0: every event at once, at subscription. */
  readonly pace?: ReplayPace;
}

/**
 * Replays a recorded provider stream through the provider's real decoder, timed on a
 * scheduler: real wire data in virtual time, for marble tests of your own pipelines.
 *
 * <span class="informal">A recorded response as a cold `Observable<Delta>` with the timing you choose.</span>
 *
 * ```
 * recording:  chunk chunk chunk … [DONE]
 * pace 10:    -a---------b---------c--- … -|     (each event's deltas at its frame)
 * ```
 *
 * `recording` is the name of a bundled recording (`'openai-text'`, `'deepseek-reasoning'`, …, as
 * `rxllm chat --replay list` shows them: the package's `replay/` folder), a path to a `.jsonl`
 * recording (one wire event per line, the format of test/fixtures; Node only), or the events
 * themselves (`{ events, format? }`, anywhere). Each event is decoded by the same mapper as the
 * provider's source (`ChatStreamMapper` for OpenAI Chat Completions, …), so the deltas are those
 * the source emits for the same bytes; an event that yields several deltas emits them in one frame.
 *
 * On the provider's terminal event: completes in that frame. When the events end before it:
 * errors with `StreamTruncatedError`, `partial` set, like a dropped connection. An error event in
 * the recording errors with the typed error the source raises (`ProviderError`, `partial` set).
 * On unsubscribe: the pending event is unscheduled; nothing else is held.
 *
 * @example
 * ```ts
 * testScheduler.run(({ expectObservable }) => {
 *   const answer = replayFixture('openai-text', { pace: { first: 300, interval: 20 } }).pipe(timeoutIdle(1_000), accumulate());
 *   expectObservable(answer.pipe(last(), map((s) => s.text))).toBe('…', …);
 * });
 * ```
 *
 * @see {@link fakeSource} for a stream of deltas you write yourself.
 * @param recording A bundled recording's name, a `.jsonl` path, or `{ events, format?, model? }`.
 * @param options `scheduler` (default `asyncScheduler`), `pace` in ms (default 0).
 * @return A cold Observable of the recording's deltas; each subscription replays it from the start.
 * @throws RxllmError (at the call) when the recording cannot be read or its format cannot be told.
 */
export function replayFixture(recording: string | Recording, options: ReplayFixtureOptions = {}): Observable<Delta> {
  const events = typeof recording === 'string' ? loadRecording(recording) : recording.events;
  const format = (typeof recording === 'string' ? undefined : recording.format) ?? detectFormat(events);
  if (format === undefined) {
    throw new RxllmError(
      `replayFixture: the format of ${typeof recording === 'string' ? `'${recording}'` : 'the recording'} cannot be told from its events; pass { events, format } ` +
        "with format 'openai-chat', 'openai-responses', 'anthropic', 'gemini' or 'bedrock'.",
    );
  }
  const model = typeof recording === 'string' ? undefined : recording.model;
  const scheduler = options.scheduler ?? asyncScheduler;
  const delay = delayOf(options.pace ?? 0);

  return new Observable<Delta>((subscriber) => {
    const builder = new SnapshotBuilder();
    const decoder = recordedDecoder(format, { next: (delta) => (builder.apply(delta), subscriber.next(delta)) }, model);
    const fail = (error: unknown) => {
      // this source finishes the errors it raises with what had arrived, as every rxllm source does
      subscriber.error(error instanceof RxllmError && error.partial === undefined && builder.deltaCount > 0 ? error.withPartial(builder.partial()) : error);
    };
    if (events.length === 0) {
      fail(truncatedError(decoder.provider, decoder.terminal, 'the recording has no events'));
      return undefined;
    }
    return scheduler.schedule(
      function (this: SchedulerAction<number>, index = 0) {
        try {
          decoder.feed(events[index]!);
        } catch (error) {
          return fail(error);
        }
        if (subscriber.closed) return;
        if (decoder.done) return subscriber.complete();
        if (index + 1 < events.length) return void this.schedule(index + 1, delay(index + 1));
        fail(truncatedError(decoder.provider, decoder.terminal, 'the recording ended'));
      },
      delay(0),
      0,
    );
  });
}

function delayOf(pace: ReplayPace): (index: number) => number {
  if (typeof pace === 'function') return pace;
  if (typeof pace === 'number') return () => pace;
  return (index) => (index === 0 ? pace.first : pace.interval);
}
