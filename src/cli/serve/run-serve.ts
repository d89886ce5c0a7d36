/**
 * `rxllm serve` on the command line: start the server, print where it listens, stop cleanly on
 * Ctrl-C or SIGTERM.
 * @internal
 */
import type { Output } from '../render.ts';
import type { ServeFlags } from './serve-args.ts';
import { startServe } from './server.ts';

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

/** Loopback addresses: listening on anything else exposes the provider key to the network. */
const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts the server, prints `rxllm serve: http://127.0.0.1:8080/v1 → <provider> <model>` on
 * stdout (a warning on stderr when listening beyond this machine), logs failed requests on
 * stderr, and resolves with exit code 0 once `ctx.stop` aborted and the server closed (open
 * streams are cut, which aborts their provider requests). Throws `CliError` when the server
 * cannot start (missing key or SDK, port in use).
 */
export async function runServe(options: ServeFlags, ctx: ServeContext): Promise<number> {
  const handle = await startServe({
    ...options,
    env: ctx.env,
    replayDir: ctx.replayDir,
    log: (line) => ctx.stderr.write(`rxllm serve: ${line}\n`),
  });
  ctx.stdout.write(`rxllm serve: ${handle.baseURL} → ${handle.provider} ${handle.model}\n`);
  if (!loopback.has(options.host)) {
    ctx.stderr.write(`rxllm serve: warning: listening on ${options.host}; anyone who can reach this port can send requests with your ${handle.provider} credentials.\n`);
  }
  await new Promise<void>((resolve) => {
    if (ctx.stop.aborted) resolve();
    else ctx.stop.addEventListener('abort', () => resolve(), { once: true });
  });
  await handle.close();
  ctx.stderr.write('rxllm serve: stopped.\n');
  return 0;
}
