/**
 * What every adapter's client and source share: importing an optional peer SDK with a message
 * that says how to install it, reading a key from the environment, and a source whose factory
 * module is imported on subscribe (so the adapter list loads no SDK). @internal
 * @module
 */
import { Observable, type Subscription } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { ProviderSetupError } from '../core/errors.ts';
import type { ProviderEnvironment } from './provider-adapter.ts';

/**
 * Imports an optional peer SDK.
 * @throws ProviderSetupError (`sdk-not-installed`) naming the package to install.
 */
export async function importSdk<T>(provider: string, sdkPackage: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ProviderSetupError(`the ${sdkPackage} package is not installed; it is an optional peer dependency of rxllm for ${provider}: npm install ${sdkPackage}`, {
        provider,
        reason: 'sdk-not-installed',
        sdkPackage,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The first non-empty value among the environment's key variables.
 * @throws ProviderSetupError (`missing-credentials`) naming the variables and where keys are.
 */
export function requireKey(env: Readonly<Record<string, string | undefined>>, provider: string, environment: ProviderEnvironment): string {
  for (const name of environment.keys) {
    const value = env[name];
    if (value) return value;
  }
  throw new ProviderSetupError(
    `${provider} needs an API key: set ${environment.keys.join(' or ')} (export ${environment.keys[0]}=...; keys at ${environment.keyHelp}).`,
    { provider, reason: 'missing-credentials', variables: environment.keys },
  );
}

/**
 * A cold source whose factory is imported when subscribed: `load` resolves the module, `create`
 * builds the source from it. An import failure errors the subscriber; unsubscribing before the
 * import resolved sends nothing.
 */
export function lazySource<M>(load: () => Promise<M>, create: (module: M) => Observable<Delta>): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    let inner: Subscription | undefined;
    let closed = false;
    load().then(
      (module) => {
        if (closed) return;
        try {
          inner = create(module).subscribe(subscriber);
        } catch (error) {
          subscriber.error(error);
        }
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      closed = true;
      inner?.unsubscribe();
    };
  });
}

/** `process.env` where there is one (Node, Deno, Bun), else an empty environment (browsers, edge). */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}
