/**
 * `rxllm serve` on the command line: start the server, print where it listens, stop cleanly on
 * Ctrl-C or SIGTERM.
 * @internal
 */
import type { Output } from '../render.ts';
import type { ServeFlags } from './serve-args.ts';
import { startServe } from './server.ts';
import { isLoopback } from './serve-args.ts';

/** What `runServe` writes to and listens to. */
export interface ServeContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
  /** The package's `replay/` folder. */
  readonly replayDir: string;
  /** Aborted on SIGINT or SIGTERM: the server closes and the command ends. */
  readonly stop: AbortSignal;
}

/**
 * Starts the server, prints `rxllm serve: http://127.0.0.1:8080/v1 → <provider> <model>` on
 * stdout, writes one JSON access-log line per request on stderr, and on `ctx.stop` (SIGINT,
 * SIGTERM) shuts down gracefully: stops accepting, lets open answers finish within `graceMs`,
 * ends the rest with an OpenAI-shaped error and `[DONE]` (aborting their provider requests),
 * and resolves with exit code 0. Throws `CliError` when the server cannot start (missing key
 * or SDK, port in use).
 */
export async function runServe(options: ServeFlags, ctx: ServeContext): Promise<number> {
  const handle = await startServe({
    ...options,
    env: ctx.env,
    replayDir: ctx.replayDir,
    accessLog: (line) => ctx.stderr.write(`${JSON.stringify(line)}\n`),
  });
  ctx.stdout.write(`rxllm serve: ${handle.baseURL} → ${handle.provider} ${handle.model}\n`);
  if (!isLoopback(options.host) && options.apiKey === undefined) {
    ctx.stderr.write(`rxllm serve: WARNING: --unsafe-no-api-key: listening on ${options.host} without a key; anyone who can reach this port can send requests with your ${handle.provider} credentials.\n`);
  }
  await new Promise<void>((resolve) => {
    if (ctx.stop.aborted) resolve();
    else ctx.stop.addEventListener('abort', () => resolve(), { once: true });
  });
  const ended = await handle.shutdown(options.graceMs);
  ctx.stderr.write(ended === 0 ? 'rxllm serve: stopped.\n' : `rxllm serve: stopped; ${ended} answer${ended === 1 ? '' : 's'} still open after the grace period ended with server_shutting_down.\n`);
  return 0;
}
