/**
 * `rxllm chat`: one request, streamed to the terminal as it arrives (or printed as a JSON
 * snapshot), then a stats line; Ctrl-C unsubscribes, which aborts the request.
 * @internal
 */
import type { Observable } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';
import type { ReplayServer } from '../replay/server.ts';
import type { ChatOptions } from './args.ts';
import { explainError } from './explain-error.ts';
import { adapterOf, connect, sdkPackages, type Connection, type ProviderRequest } from './providers.ts';
import { LiveRenderer, type Output } from './render.ts';
import { findReplay, startReplay, type ReplayEntry } from './replays.ts';
import { formatStats, StreamStats } from './stats.ts';
import type { Style } from './style.ts';

/** What `runChat` writes to and listens to. */
export interface ChatContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdoutStyle: Style;
  readonly stderrStyle: Style;
  readonly env: NodeJS.ProcessEnv;
  /** The package's `replay/` folder. */
  readonly replayDir: string;
  /** Aborted on Ctrl-C (SIGINT). */
  readonly interrupt: AbortSignal;
}

/** Exit code after Ctrl-C (128 + SIGINT). */
const interruptedExitCode = 130;

/** How long an aborted replay may take to close its connection, in ms, before the note says it did not. */
const closeWaitMs = 1_000;

type Outcome = { readonly kind: 'done' } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'aborted' };

/**
 * Runs one chat request and resolves with the exit code: 0 done, 1 the request failed (the
 * error explained on stderr), 130 interrupted (the request aborted, a note on stderr). With
 * `json`, stdout gets the final snapshot (or the partial one after an error or interrupt)
 * instead of the live rendering and stats. Throws `CliError` for a missing key or SDK.
 */
export async function runChat(options: ChatOptions, ctx: ChatContext): Promise<number> {
  let server: ReplayServer | undefined;
  try {
    let request: ProviderRequest;
    if (options.provider === 'replay') {
      const entry = findReplay(options.replay)!;
      server = await startReplay(entry, ctx.replayDir, options.speed);
      ctx.stderr.write(replayNotice(entry, options, server.url, ctx.stderrStyle));
      request = { provider: entry.provider, model: entry.model, request: chatRequestOf(options), env: ctx.env, replayURL: server.url };
    } else {
      const model = options.model ?? adapterOf(options.provider).defaultModel;
      request = { provider: options.provider, model, request: chatRequestOf(options), env: ctx.env };
    }
    const connection = await connect(request);

    const builder = new SnapshotBuilder();
    const stats = new StreamStats();
    const renderer = options.json ? undefined : new LiveRenderer(ctx.stdout, ctx.stdoutStyle);
    const outcome = await consume(connection.source, ctx.interrupt, (delta) => {
      builder.apply(delta);
      stats.next(delta, performance.now());
      renderer?.next(delta);
    });
    stats.end();
    renderer?.end();

    if (outcome.kind === 'aborted') {
      // The note says whether the abort reached the wire: the replay server saw its socket close.
      const closed = server
        ? await server.waitForSocketsClosed(closeWaitMs).then(
            () => '; the replay connection closed',
            () => `; the replay connection was still open after ${closeWaitMs} ms`,
          )
        : '';
      return report(outcome, builder, stats, connection, options, ctx, closed);
    }
    return report(outcome, builder, stats, connection, options, ctx, '');
  } finally {
    await server?.close();
  }
}

/** Writes the outcome (snapshot JSON, stats line, error or interrupt note) and gives the exit code. */
function report(
  outcome: Outcome,
  builder: SnapshotBuilder,
  stats: StreamStats,
  connection: Connection,
  options: ChatOptions,
  ctx: ChatContext,
  closedNote: string,
): number {
  const { dim, red, yellow, reset } = ctx.stderrStyle;
  const arrived = builder.deltaCount > 0;
  const count = `${builder.deltaCount} ${builder.deltaCount === 1 ? 'delta' : 'deltas'}`;
  switch (outcome.kind) {
    case 'done':
      if (options.json) ctx.stdout.write(toJSON(builder));
      else ctx.stderr.write(`${dim}${formatStats(stats, builder.snapshot())}${reset}\n`);
      return 0;
    case 'error':
      if (options.json && arrived) ctx.stdout.write(toJSON(builder));
      ctx.stderr.write(`${red}error:${reset} ${explainError(outcome.error, connection)}\n`);
      if (arrived) ctx.stderr.write(`${dim}(${count} had arrived${options.json ? '; the partial snapshot is on stdout' : ''})${reset}\n`);
      return 1;
    case 'aborted':
    default:
      if (options.json && arrived) ctx.stdout.write(toJSON(builder));
      ctx.stderr.write(`${yellow}interrupted:${reset} request aborted after ${count}${closedNote}.\n`);
      return interruptedExitCode;
  }
}

/**
 * Subscribes `source`, hands every delta to `onDelta`, and resolves once it completes, errors,
 * or `interrupt` aborts (then it unsubscribes, which aborts the request).
 */
function consume(source: Observable<Delta>, interrupt: AbortSignal, onDelta: (delta: Delta) => void): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      interrupt.removeEventListener('abort', onInterrupt);
      resolve(outcome);
    };
    const subscription = source.subscribe({
      next: onDelta,
      error: (error: unknown) => settle({ kind: 'error', error }),
      complete: () => settle({ kind: 'done' }),
    });
    function onInterrupt() {
      subscription.unsubscribe();
      settle({ kind: 'aborted' });
    }
    if (interrupt.aborted) onInterrupt();
    else if (!settled) interrupt.addEventListener('abort', onInterrupt, { once: true });
  });
}

/** The one stderr line that says this is a replay, and that the prompt is ignored. */
function replayNotice(entry: ReplayEntry, options: ChatOptions, url: string, style: Style): string {
  const prompt = options.prompt.length > 60 ? `${options.prompt.slice(0, 57)}...` : options.prompt;
  const model = options.model === undefined ? '' : ` (--model ${options.model} ignored)`;
  const pace = options.speed === 1 ? '' : options.speed === 0 ? ' at full speed' : ` at ${options.speed}x`;
  return (
    `${style.yellow}replay${style.reset} ${entry.name}: a recorded ${entry.model} stream${model}, served on ${url.replace('http://', '')}${pace} ` +
    `through ${sdkPackages[entry.provider]} and rxllm/${entry.provider}; your prompt ${JSON.stringify(prompt)} is ignored. ` +
    `${style.dim}Set a provider key for a real answer (rxllm --help).${style.reset}\n`
  );
}

/** The request the CLI's flags make. */
function chatRequestOf(options: ChatOptions): ChatRequest {
  return { messages: [{ role: 'user', content: options.prompt }], ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }) };
}

function toJSON(builder: SnapshotBuilder): string {
  return `${JSON.stringify(builder.snapshot(), null, 2)}\n`;
}
