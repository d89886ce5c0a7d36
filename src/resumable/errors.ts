/**
 * The typed error of `rxllm/resumable`: what a resume, a cancel or a publish failed on, with the
 * HTTP status a server answers it with.
 * @module
 */
import { RxllmError, type RxllmErrorOptions } from '../core/errors.ts';

/**
 * Why a resumable operation failed:
 * - `not_found` (404): no such stream for this owner: unknown, expired and foreign ids alike;
 * - `bad_id` (400): the id is not a stream id (checked before the store is asked);
 * - `bad_cursor` (400): the cursor is not a decimal sequence number, or lies past what was written;
 * - `gone` (410): the entries after the cursor were trimmed (limit policy `trim`);
 * - `too_many_streams` (429): the owner has `maxRunningPerOwner` streams running;
 * - `too_many_readers` (503): this instance serves `maxReaders` resumes already;
 * - `store_failed` (503): the store (Redis) failed or cannot be reached; `cause` says how.
 */
export type ResumableErrorCode = 'not_found' | 'bad_id' | 'bad_cursor' | 'gone' | 'too_many_streams' | 'too_many_readers' | 'store_failed';

const STATUS: Readonly<Record<ResumableErrorCode, number>> = {
  not_found: 404,
  bad_id: 400,
  bad_cursor: 400,
  gone: 410,
  too_many_streams: 429,
  too_many_readers: 503,
  store_failed: 503,
};

/** A resume, cancel or publish failed; `code` says why and `status` is the HTTP status for it. */
export class ResumableError extends RxllmError {
  override name: string = 'ResumableError';
  readonly code: ResumableErrorCode;
  /** The HTTP status a server answers with (404, 400, 410, 429, 503). */
  readonly status: number;

  constructor(message: string, options: RxllmErrorOptions & { readonly code: ResumableErrorCode }) {
    super(message, options);
    this.code = options.code;
    this.status = STATUS[options.code];
  }
}

/** The one not-found error: the same message for an unknown, an expired and a foreign id. @internal */
export function notFound(): ResumableError {
  return new ResumableError('No such stream: the id is unknown, has expired, or belongs to someone else. Start a new request.', {
    code: 'not_found',
  });
}

/** The entries after `after` were trimmed. @internal */
export function gone(after: number, first: number): ResumableError {
  return new ResumableError(
    `The stream's entries after ${after} were trimmed (it keeps entries from ${first} on, under its size limit); ` +
      'resuming from this cursor cannot be exact. Start a new request, or resume from 0 to read what is left.',
    { code: 'gone' },
  );
}

/** A cursor past what was written to a running stream. @internal */
export function pastEnd(after: number, last: number): ResumableError {
  return new ResumableError(`Cursor ${after} lies past the stream's last entry (${last}); pass the last event id the client received.`, {
    code: 'bad_cursor',
  });
}

/** The store failed. @internal */
export function storeFailed(what: string, cause: unknown): ResumableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ResumableError(`The resumable store failed while ${what} (${detail}). Check that Redis is reachable; the error is in \`cause\`.`, {
    code: 'store_failed',
    cause,
  });
}
