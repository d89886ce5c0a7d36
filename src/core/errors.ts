/**
 * rxllm's typed errors. Every error a source or operator raises is an {@link RxllmError};
 * one raised after content arrived carries `partial`, the {@link Snapshot} of what had arrived,
 * so nothing that arrived is lost.
 *
 * @module
 */
import type { Snapshot } from './delta.ts';

/** Options shared by every rxllm error constructor. */
export interface RxllmErrorOptions {
  /** The underlying error (SDK error, fetch error, parse error). */
  readonly cause?: unknown;
  /** What had arrived before the error; `undefined` when nothing had. */
  readonly partial?: Snapshot | undefined;
}

/**
 * Base class of every rxllm error. `partial` is the response so far, when any delta had arrived;
 * it is set where the error is made and never changed afterwards (operators pass errors on as
 * they are).
 */
export class RxllmError extends Error {
  /** What had arrived before the error, or `undefined` when nothing had. */
  readonly partial: Snapshot | undefined;

  constructor(message: string, options: RxllmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // rxllm's own error classes fix their `name` as a field (a minifier renames classes); a
    // subclass of yours gets its class name
    this.name = new.target === RxllmError ? 'RxllmError' : new.target.name;
    this.partial = options.partial;
  }

  /**
   * This error as the source that raises it finishes it: the same class, message, fields, cause
   * and stack, with `partial` set. The source layer makes the error its subscriber receives with
   * it (an error from a decoder or an SDK mapping is made before the source knows what had
   * arrived); nothing is written into an error already delivered. @internal
   */
  withPartial(partial: Snapshot | undefined): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object, Object.getOwnPropertyDescriptors(this)) as this;
    Object.defineProperty(copy, 'partial', { value: partial, writable: false, enumerable: true, configurable: true });
    return copy;
  }
}

/** Fields of a {@link ProviderError}. */
export interface ProviderErrorOptions extends RxllmErrorOptions {
  /** rxllm's provider name (`openai`, `anthropic`, `google`, `bedrock`, …). */
  readonly provider: string;
  /** The HTTP status, when the error came with one (also for in-stream errors that carry one). */
  readonly status?: number | undefined;
  /** The provider's error code or type (`rate_limit_exceeded`, `overloaded_error`, `ThrottlingException`, …). */
  readonly code?: string | undefined;
  /** Whether the same request may succeed if sent again (rate limits, overload, 5xx, dropped connections). */
  readonly retryable: boolean;
}

/**
 * The provider refused or failed the request: an HTTP error, an error event inside the stream,
 * or a connection failure before the response. `retryable` says whether sending the same request
 * again may succeed (408, 409, 429, 5xx and 529 overload, connection errors: the same rule as the
 * official SDKs' retry logic).
 */
export class ProviderError extends RxllmError {
  override name: string = 'ProviderError';
  readonly provider: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options);
    this.provider = options.provider;
    this.status = options.status;
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

/**
 * The stream ended without the provider's terminal event (no `data: [DONE]`, no `message_stop`,
 * no `finishReason`, no `messageStop`), or the connection dropped mid-stream. `partial` holds
 * everything that had arrived. Retrying repeats the whole request.
 */
export class StreamTruncatedError extends RxllmError {
  override name: string = 'StreamTruncatedError';
  readonly provider: string;

  constructor(message: string, options: RxllmErrorOptions & { readonly provider: string }) {
    super(message, options);
    this.provider = options.provider;
  }
}

/**
 * A chunk of the stream could not be parsed (invalid JSON in an SSE `data:` line, an undecodable
 * frame). `line` is the offending text (cut to 200 characters).
 */
export class MalformedChunkError extends RxllmError {
  override name: string = 'MalformedChunkError';
  readonly provider: string;
  readonly line: string;

  constructor(message: string, options: RxllmErrorOptions & { readonly provider: string; readonly line: string }) {
    super(message, options);
    this.provider = options.provider;
    this.line = options.line;
  }
}

/** Fields of an {@link IdleTimeoutError}. */
export interface IdleTimeoutErrorOptions extends RxllmErrorOptions {
  /** `first`: nothing arrived within the first-delta timeout; `idle`: too long since the last content delta. */
  readonly phase: 'first' | 'idle';
  /** The timeout that elapsed, in ms. */
  readonly afterMs: number;
  /** Content deltas that had arrived before the timeout. */
  readonly deltaCount: number;
}

/** Raised by `timeoutIdle` when no content delta arrived in time; the source was unsubscribed (request aborted). */
export class IdleTimeoutError extends RxllmError {
  override name: string = 'IdleTimeoutError';
  readonly phase: 'first' | 'idle';
  readonly afterMs: number;
  readonly deltaCount: number;

  constructor(message: string, options: IdleTimeoutErrorOptions) {
    super(message, options);
    this.phase = options.phase;
    this.afterMs = options.afterMs;
    this.deltaCount = options.deltaCount;
  }
}

/** Fields of a {@link StreamingUnsupportedError}. */
export interface StreamingUnsupportedErrorOptions extends RxllmErrorOptions {
  /** rxllm's provider name (`openai`, `bedrock`, …). */
  readonly provider: string;
  /** The HTTP status of the refusal, when it came with one (400). */
  readonly status?: number | undefined;
  /** The provider's error code or type (`unsupported_value`, `ValidationException`, …). */
  readonly code?: string | undefined;
}

/**
 * The provider or model does not support streaming for this request. `fallbackToNonStreaming`
 * switches to the non-streaming call on it. A {@link ProviderError} that is never `retryable`
 * (the same streaming request fails the same way); a provider's source raises it where it maps
 * the SDK's error, with that error as `cause` and the refusal's `status` and `code`.
 */
export class StreamingUnsupportedError extends ProviderError {
  override name: string = 'StreamingUnsupportedError';

  constructor(message: string, options: StreamingUnsupportedErrorOptions) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * A bridge's buffer (`toAsyncIterable`, `toReadableStream`, Node `Readable`) passed its
 * `highWaterMark` because the consumer reads slower than the source produces.
 */
export class BufferOverflowError extends RxllmError {
  override name: string = 'BufferOverflowError';
  /** The limit that was passed, in deltas. */
  readonly highWaterMark: number;

  constructor(message: string, options: RxllmErrorOptions & { readonly highWaterMark: number }) {
    super(message, options);
    this.highWaterMark = options.highWaterMark;
  }
}

/** The hooks of `tapLifecycle`, by name. */
export type LifecycleHookName = 'onStart' | 'onDelta' | 'onComplete' | 'onError' | 'onFinalize';

/**
 * A `tapLifecycle` hook threw or returned a rejected promise. `hook` names it and `cause` is
 * what it threw. It errors the stream only with `strict: true` (and only from `onStart`,
 * `onDelta` and `onComplete`); otherwise it goes to the `onHookError` option.
 */
export class LifecycleHookError extends RxllmError {
  override name: string = 'LifecycleHookError';
  readonly hook: LifecycleHookName;

  constructor(message: string, options: RxllmErrorOptions & { readonly hook: LifecycleHookName }) {
    super(message, options);
    this.hook = options.hook;
  }
}

/**
 * A {@link ChatRequest} holds something the provider cannot take and that cannot be left out
 * without changing the question (an image by URL where the provider takes only bytes, a tool
 * call whose arguments are not a JSON object). Raised by an adapter's request translation,
 * before any request is sent. `param` names the field in `ChatRequest` terms
 * (`messages[2].content[1]`). Fields that can be left out are reported as ignored instead.
 */
export class UnsupportedRequestError extends RxllmError {
  override name: string = 'UnsupportedRequestError';
  readonly provider: string;
  readonly param: string;

  constructor(message: string, options: RxllmErrorOptions & { readonly provider: string; readonly param: string }) {
    super(message, options);
    this.provider = options.provider;
    this.param = options.param;
  }
}

/**
 * A provider cannot be used as configured: its credentials (or region) are not set, or its SDK
 * package is not installed. Raised by an adapter's `createClient` before any request.
 * `variables` names what to set (`OPENAI_API_KEY`; `AWS_REGION`); `sdkPackage` what to install.
 */
export class ProviderSetupError extends RxllmError {
  override name: string = 'ProviderSetupError';
  readonly provider: string;
  /** `missing-credentials`: set one of `variables`; `sdk-not-installed`: `npm install` `sdkPackage`. */
  readonly reason: 'missing-credentials' | 'sdk-not-installed';
  readonly variables: readonly string[];
  readonly sdkPackage: string | undefined;

  constructor(
    message: string,
    options: RxllmErrorOptions & {
      readonly provider: string;
      readonly reason: 'missing-credentials' | 'sdk-not-installed';
      readonly variables?: readonly string[];
      readonly sdkPackage?: string;
    },
  ) {
    super(message, options);
    this.provider = options.provider;
    this.reason = options.reason;
    this.variables = options.variables ?? [];
    this.sdkPackage = options.sdkPackage;
  }
}
