/**
 * `stream()`: one {@link ChatRequest}, any provider.
 * @module
 */
import { type Observable, throwError } from 'rxjs';
import { lazySource, processEnv } from './adapter-support.ts';
import type { ChatRequest, IgnoredParam } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import type { ProviderAdapter, SourceOptions, Translation } from './provider-adapter.ts';

/** Where {@link stream} sends: an adapter with its client and model. */
export interface StreamTarget<Client = unknown, Params = unknown> {
  readonly adapter: ProviderAdapter<Client, Params>;
  /** The SDK client; absent: built from the environment (`process.env`) on subscribe. */
  readonly client?: Client;
  /** The model; absent: the adapter's `defaultModel`. */
  readonly model?: string;
}

/** The deltas of one request, and what the provider had no place for. */
export interface ChatStream extends Observable<Delta> {
  /** Fields of the request the provider has no place for, left out (see {@link IgnoredParam}). Empty when all fit. */
  readonly ignored: readonly IgnoredParam[];
  /** Set when the provider answers `responseFormat` through this forced tool call (see `Translation.outputTool`). */
  readonly outputTool?: string;
}

/**
 * One {@link ChatRequest} as a cold `Observable<Delta>` on any provider: the adapter translates it
 * to its SDK's own params (reporting in `ignored` what the provider has no place for), and each
 * subscription sends one request through the provider's native source (`fromOpenAI`,
 * `fromAnthropic`, …), aborted on unsubscribe. The provider-native factories stay the zero-loss
 * path; `providerOptions[adapter.name]` reaches the params untouched.
 *
 * The translation runs now (so `ignored` is known before subscribing); a request the provider
 * cannot take errors each subscriber with `UnsupportedRequestError`. Without a `client`, the
 * adapter builds one from `process.env` on subscribe (errors with `ProviderSetupError` when a
 * key or the SDK is missing).
 *
 * @example
 * ```ts
 * import { stream, accumulate } from 'rxllm';
 * import { anthropicAdapter } from 'rxllm/anthropic';
 * const answer$ = stream({ adapter: anthropicAdapter, client: new Anthropic(), model: 'claude-sonnet-4-6' },
 *   { system: 'Be brief.', messages: [{ role: 'user', content: 'Why is the sky blue?' }], maxTokens: 400 });
 * answer$.pipe(accumulate()).subscribe((s) => render(s.text));
 * ```
 *
 * @param target An adapter, or `{ adapter, client?, model? }`.
 * @param request The provider-neutral request.
 * @param options `stream` (default `true`; `false` uses the non-streaming call), `signal`.
 * @return A cold Observable of the response's deltas, with `ignored`.
 */
export function stream<Client, Params>(
  target: ProviderAdapter<Client, Params> | StreamTarget<Client, Params>,
  request: ChatRequest,
  options: SourceOptions = {},
): ChatStream {
  const { adapter, client, model } = 'adapter' in target ? target : { adapter: target, client: undefined, model: undefined };
  let translation: Translation<Params> | undefined;
  let failure: unknown;
  try {
    translation = adapter.toParams(request, model ?? adapter.defaultModel);
  } catch (error) {
    failure = error;
  }
  const deltas: Observable<Delta> =
    translation === undefined
      ? throwError(() => failure)
      : client !== undefined
        ? adapter.source(client, translation.params, options)
        : lazySource(
            () => adapter.createClient({ env: processEnv() }),
            ({ client: built }) => adapter.source(built, translation!.params, options),
          );
  const outputTool = translation?.outputTool;
  return Object.assign(deltas, { ignored: translation?.ignored ?? [] }, outputTool === undefined ? {} : { outputTool });
}
