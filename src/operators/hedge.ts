import type { Observable, SchedulerLike } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { stream, type StreamTarget } from '../sources/stream.ts';
import { raceFirstDelta } from './raceFirstDelta.ts';

/** Options of {@link hedge}. */
export interface HedgeOptions {
  /** How long each started provider may go without a content delta before the next one starts, in ms. */
  readonly delayMs: number;
  /** Where the delays are scheduled (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Hedged requests across providers with one {@link ChatRequest}: sends it to the first target,
 * then to each next one after `delayMs` ms without a content delta; the first to answer wins and
 * the others' requests are aborted.
 *
 * <span class="informal">{@link raceFirstDelta} over `stream(target, request)` for each target.</span>
 *
 * ```
 * target 0:   -m-----------             stalls after its metadata m
 * target 1:      -n-a---b|              sent after delayMs = 3 ms
 * hedge([t0, t1], request, { delayMs: 3 })
 * result:     ------(na)b|              target 0's request is aborted at the frame of a
 * ```
 *
 * As in {@link raceFirstDelta}: the result carries the deltas of exactly one response; a target
 * that fails before content is dropped and the next starts at once; after the win, errors and
 * complete pass through unchanged. On unsubscribe: aborts every running request.
 *
 * @example
 * ```ts
 * hedge([{ adapter: openaiAdapter, client: openai, model: 'gpt-4o' }, { adapter: anthropicAdapter, client: anthropic }],
 *   request, { delayMs: 2_000 }).pipe(accumulate());
 * ```
 *
 * @see {@link raceFirstDelta}
 * @see {@link fallbackTo}
 *
 * @param targets The providers, in the order they start: `{ adapter, client?, model? }` each (at least one).
 * @param request The request, translated by each target's adapter.
 * @param options `delayMs` (ms, finite, >= 0), `scheduler`.
 * @return A cold Observable of the winning response's deltas.
 */
export function hedge(targets: readonly StreamTarget[], request: ChatRequest, options: HedgeOptions): Observable<Delta> {
  if (targets.length === 0) throw new TypeError('hedge needs at least one target.');
  const config = options.scheduler === undefined ? { hedgeAfter: options.delayMs } : { hedgeAfter: options.delayMs, scheduler: options.scheduler };
  return raceFirstDelta(
    targets.map((target) => stream(target, request)),
    config,
  );
}
