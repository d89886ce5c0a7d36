/**
 * How the `rxllm` CLI reaches a provider: through its adapter (the one provider table), with
 * the adapter's errors turned into the CLI's usage messages.
 * @internal
 */
import type { Observable } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { ProviderSetupError } from '../core/errors.ts';
import { adapterNamed, adapters } from '../providers/adapters.ts';
import type { ProviderAdapter } from '../sources/provider-adapter.ts';
import { CliError, usageError } from './cli-error.ts';

/** A provider name of the adapter list. */
export type ProviderName = string;

/** Every provider, in `--help` order (the adapter list's). */
export const providerNames: readonly ProviderName[] = adapters.map((a) => a.name);

/** The model each provider uses without `--model`. */
export const defaultModels: Readonly<Record<ProviderName, string>> = Object.fromEntries(adapters.map((a) => [a.name, a.defaultModel]));

/** The official SDK package of each provider (an optional peer dependency of rxllm). */
export const sdkPackages: Readonly<Record<ProviderName, string>> = Object.fromEntries(adapters.map((a) => [a.name, a.sdkPackage]));

/** One request to make. */
export interface ProviderRequest {
  readonly provider: ProviderName;
  readonly model: string;
  readonly request: ChatRequest;
  readonly env: NodeJS.ProcessEnv;
  /** Set for a replay: the loopback server's origin, which replaces the endpoint and the keys. */
  readonly replayURL?: string;
}

/** Where a provider's SDK client sends, and the environment variables that set it, for messages. */
export interface Endpoint {
  /** The endpoint the SDK sends to (base URL, or Bedrock's regional endpoint), for messages. */
  readonly endpoint: string;
  /** The environment variable that sets `endpoint`, for hints. */
  readonly endpointVar: string | undefined;
  /** The environment variable(s) holding the key, for hints. */
  readonly keyVar: string;
}

/** A cold source for the request, and where it goes. */
export interface Connection extends Endpoint {
  /** The rxllm source: one request per subscription, aborted on unsubscribe. */
  readonly source: Observable<Delta>;
  readonly adapter: ProviderAdapter;
}

/** The adapter of `name`, or a usage error listing the providers. */
export function adapterOf(name: string): ProviderAdapter {
  const adapter = adapterNamed(name);
  if (adapter === undefined) throw usageError(`unknown provider '${name}'. Providers: ${providerNames.join(', ')}, replay.`);
  return adapter;
}

/**
 * Builds the SDK client through the provider's adapter. The SDK's own retries stay on (each
 * SDK's default) unless `maxRetries` says otherwise; a replay gets none.
 * @throws CliError: a usage error (exit 2) naming the variable for a missing key or region; an
 * error naming the package for an SDK that is not installed.
 */
export async function clientFor(adapter: ProviderAdapter, env: NodeJS.ProcessEnv, replayURL?: string, maxRetries?: number): Promise<{ client: unknown } & Endpoint> {
  try {
    const retries = maxRetries ?? (replayURL === undefined ? undefined : 0);
    const { client, endpoint } = await adapter.createClient({
      env,
      ...(replayURL === undefined ? {} : { baseURL: replayURL }),
      ...(retries === undefined ? {} : { maxRetries: retries }),
    });
    return { client, endpoint, endpointVar: adapter.environment.endpoint, keyVar: adapter.environment.keys.join(' or ') };
  } catch (error) {
    if (error instanceof ProviderSetupError && error.reason === 'missing-credentials') {
      throw usageError(`--provider ${error.message} Without a key, rxllm chat replays a recorded stream offline (--provider replay).`);
    }
    if (error instanceof ProviderSetupError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * The source of `request` on its provider: the adapter's client and its translation of the
 * `ChatRequest`.
 * @throws CliError as {@link clientFor}.
 */
export async function connect(request: ProviderRequest): Promise<Connection> {
  const adapter = adapterOf(request.provider);
  const { client, ...where } = await clientFor(adapter, request.env, request.replayURL);
  const { params } = adapter.toParams(request.request, request.model);
  return { source: adapter.source(client, params), adapter, ...where };
}
