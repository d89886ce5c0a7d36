import { asyncScheduler, type MonoTypeOperatorFunction } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { IdleTimeoutError } from '../core/errors.ts';
import { recover, type RecoveryMode } from '../core/recover.ts';
import { isTransientError } from '../core/retry-policy.ts';
import { continueFrom, type ContinueFromOptions } from '../sources/continue-from.ts';
import { stream, type StreamTarget } from '../sources/stream.ts';

/** Configuration of {@link fallbackTo}. */
export interface FallbackToConfig {
  /** The request, sent to each next target (translated by its adapter). */
  readonly request: ChatRequest;
  /**
   * After content: `'restart'` (default) emits a `reset` delta and sends the request to the next
   * target; `'continue'` asks the next target to continue the text so far ({@link continueFrom}).
   */
  readonly mode?: RecoveryMode;
  /**
   * Whether this error moves on to the next target; `attempt` is the switch it would make
   * (1-based). Default: retryable `ProviderError`s (429, 5xx, overload), `StreamTruncatedError`,
   * connection failures and `IdleTimeoutError`; never an abort.
   */
  readonly when?: (error: unknown, attempt: number) => boolean;
  /** Options of the continuation in `'continue'` mode (`prefill`, `prompt`, `minOverlap`). */
  readonly continuation?: ContinueFromOptions;
}

/**
 * Moves one {@link ChatRequest} to the next provider when the current one fails: silently
 * before content; after content by continuing the text on the next provider, or by starting
 * over there with a `reset` delta.
 *
 * <span class="informal">Model fallback across providers that also works mid-answer.</span>
 *
 * ```
 * source:        -m-#                         # = 529 overloaded, before content
 * target 1:         -n-a----(f|)              subscribed at once
 * fallbackTo({ request }, target1)
 * result:        ------(na)-(f|)              the source's metadata m is dropped
 *
 * source:        -m-a-----#                   after content, mode 'restart'
 * target 1:               -n-a----b|
 * result:        ---(ma)--x--(na)-b|          x = reset, then target 1's answer
 * ```
 *
 * Each attempt's non-content deltas are held until its first content delta, so a provider that
 * fails before content leaves no trace. After content, `mode: 'restart'` emits a `reset` delta
 * and sends the request to the next target; `mode: 'continue'` sends the next target the
 * request with the text so far ({@link continueFrom}: assistant prefill where the provider
 * supports it, a continuation turn otherwise) and appends the rest of the answer, no reset;
 * an answer with tool calls restarts. Targets are tried in order, each once, at once.
 *
 * On an error not moved on (`when` false, or no target left): the held deltas, then the error as
 * is, or a {@link RecoveryFailedError} with the whole answer as `partial` after a joined
 * continuation. On complete: completes. On unsubscribe: releases the running request (aborting
 * it) and drops the held deltas.
 *
 * @example
 * ```ts
 * stream(openaiTarget, request).pipe(
 *   fallbackTo({ request, mode: 'continue' }, anthropicTarget, googleTarget),
 *   accumulate(),
 * );
 * ```
 *
 * @see {@link retryStream} to recover on the same provider
 * @see {@link hedge} to ask a second provider before the first fails
 *
 * @param config `request`, `mode`, `when`, `continuation`.
 * @param targets The next providers, in order: `{ adapter, client?, model? }` each.
 * @return A function that returns an Observable of one answer: deltas since the last `reset`.
 */
export function fallbackTo(config: FallbackToConfig, ...targets: StreamTarget[]): MonoTypeOperatorFunction<Delta> {
  const { request, mode = 'restart', when = isFallbackError, continuation } = config;
  if (mode !== 'restart' && mode !== 'continue') throw new TypeError(`fallbackTo: \`mode\` must be 'restart' or 'continue', got ${String(mode)}.`);
  const steps = targets.map((target) => ({
    fresh: () => stream(target, request),
    continuation: continueFrom(target, request, continuation),
    delay: 0,
  }));
  return (source) =>
    recover(source, {
      mode,
      resetReason: 'fallback',
      name: 'fallbackTo',
      scheduler: asyncScheduler,
      next(err, attempt) {
        const step = steps[attempt - 1];
        return step !== undefined && when(err, attempt) ? step : undefined;
      },
    });
}

function isFallbackError(err: unknown): boolean {
  return isTransientError(err) || err instanceof IdleTimeoutError;
}
