/**
 * Turns an error from a provider source into what `rxllm chat` prints: what happened, where, and
 * what to do.
 * @internal
 */
import { causeChain, connectionFailureCode, UNREACHABLE_CODES } from '../core/error-classification.ts';
import { ProviderError, RxllmError } from '../core/errors.ts';
import type { Connection } from './providers.ts';
import { terminalText } from './terminal-text.ts';


/**
 * The message for `error`, raised by `where`'s source: one line, plus a hint line where one
 * helps. A connection that never reached the server names the endpoint (and the variable that
 * sets it); 401/403 and missing AWS credentials name the key variable; 404 suggests `--model`.
 */
export function explainError(error: unknown, where: Pick<Connection, 'endpoint' | 'endpointVar' | 'keyVar'>): string {
  // error messages carry upstream bodies: shown, never obeyed by the terminal
  return terminalText(explain(error, where));
}

function explain(error: unknown, where: Pick<Connection, 'endpoint' | 'endpointVar' | 'keyVar'>): string {
  const message = error instanceof Error ? error.message : String(error);
  // Only before anything arrived: a connection lost mid-stream is a truncation, reported as such.
  const unreachable = error instanceof RxllmError && error.partial !== undefined ? undefined : connectionFailure(error);
  if (unreachable !== undefined) {
    const hint = where.endpointVar ? ` Is the server running? Check ${where.endpointVar}.` : ' Check the network connection.';
    return `could not reach ${where.endpoint} (${unreachable}).${hint}`;
  }
  if (error instanceof ProviderError) {
    const status = error.status === undefined ? '' : ` ${error.status}`;
    const code = error.code === undefined ? '' : ` (${error.code})`;
    let out = `${error.provider} error${status}${code} from ${where.endpoint}: ${message}`;
    if (error.status === 401 || error.status === 403) out += `\nCheck the key in ${where.keyVar}.`;
    else if (error.code === 'CredentialsProviderError') out += `\nSet credentials for the AWS chain: ${where.keyVar} (with AWS_SECRET_ACCESS_KEY), or sign in with aws sso login.`;
    else if (error.status === 404) out += '\nCheck the model name (--model) and the endpoint.';
    return out;
  }
  if (error instanceof RxllmError) return `${error.name}: ${message}`;
  return message;
}

/**
 * Why the request never reached the server, or `undefined` when it did: an unreachable-server
 * code (`ECONNREFUSED`, …) on the error or its causes (AggregateError's too), else the innermost
 * cause's message when the chain holds the SDKs' `APIConnectionError` or fetch's `fetch failed`.
 */
function connectionFailure(error: unknown): string | undefined {
  const code = connectionFailureCode(error, UNREACHABLE_CODES);
  if (code !== undefined) return code;
  let failed = false;
  let innermost: string | undefined;
  for (const e of causeChain(error)) {
    const name = (e as { constructor?: { name?: string } }).constructor?.name;
    const message = (e as { message?: unknown }).message;
    if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError' || message === 'fetch failed') failed = true;
    if (typeof message === 'string') innermost = message;
  }
  return failed ? innermost : undefined;
}
