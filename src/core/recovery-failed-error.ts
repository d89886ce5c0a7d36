import { RxllmError, type RxllmErrorOptions } from './errors.ts';

/** Fields of a {@link RecoveryFailedError}. */
export interface RecoveryFailedErrorOptions extends RxllmErrorOptions {
  /** Recoveries made (retries or provider switches) before giving up. */
  readonly attempts: number;
}

/**
 * `retryStream` or `fallbackTo` gave up after joining a continuation: the last attempt's error
 * is `cause` (unchanged, with its own `partial`: the continuation's part only), and `partial` is
 * the whole answer as it was emitted (the text before the failure joined with the
 * continuations). Without a joined continuation they give up with the last error as is, whose
 * `partial` already is what was emitted since the last `reset`.
 */
export class RecoveryFailedError extends RxllmError {
  override name: string = 'RecoveryFailedError';
  /** Recoveries made (retries or provider switches) before giving up. */
  readonly attempts: number;

  constructor(message: string, options: RecoveryFailedErrorOptions) {
    super(message, options);
    this.attempts = options.attempts;
  }
}
