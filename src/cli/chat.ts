/**
 * `rxllm chat`: one answer, or an interactive conversation in a terminal, from any provider of
 * the adapter list or from the embedded offline replay.
 * @internal
 */
import { fstatSync } from 'node:fs';
import type { Observable } from 'rxjs';
import type { ChatMessage, ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';
import { toAssistantMessage } from '../core/to-assistant-message.ts';
import { retryBeforeFirstDelta } from '../operators/retryBeforeFirstDelta.ts';
import { splitReasoning } from '../operators/splitReasoning.ts';
import { timeoutIdle } from '../operators/timeoutIdle.ts';
import type { ReplayServer } from '../replay/server.ts';
import type { ProviderAdapter } from '../sources/provider-adapter.ts';
import type { ChatOptions } from './args.ts';
import { usageError } from './cli-error.ts';
import { explainError } from './explain-error.ts';
import { runInteractive } from './interactive.ts';
import { adapterOf, clientFor, type Endpoint } from './providers.ts';
import { LiveRenderer, type Output } from './render.ts';
import { findReplay, startReplay, type ReplayEntry } from './replays.ts';
import { formatStats, StreamStats } from './stats.ts';
import { StatusLine } from './status-line.ts';
import type { Style } from './style.ts';

/** Where `rxllm chat` reads and writes, and what it runs with. */
export interface ChatContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdoutStyle: Style;
  readonly stderrStyle: Style;
  readonly env: NodeJS.ProcessEnv;
  /** The package's `replay/` folder. */
  readonly replayDir: string;
  /** Aborts when the user presses Ctrl-C (one-shot mode). */
  readonly interrupt: AbortSignal;
  /** Standard input, for the interactive chat and piped prompts. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean; readonly fd?: number };
  /** Whether stdout is a terminal (the live status shows only there). */
  readonly stdoutIsTTY?: boolean;
}

/** How long an aborted replay may take to close its connection, in ms, before the note says it did not. */
const closeWaitMs = 1_000;

/** Exit code after Ctrl-C. */
export const INTERRUPTED = 130;

/** How one answer ended. */
export type Outcome = { readonly kind: 'done' } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'aborted' };

/** The provider a chat talks to, and the conversation so far. */
export class ChatSession {
  readonly history: ChatMessage[] = [];
  readonly adapter: ProviderAdapter;
  readonly client: unknown;
  readonly model: string;
  readonly where: Endpoint;
  readonly replay: ReplayEntry | undefined;
  readonly server: ReplayServer | undefined;
  private readonly options: ChatOptions;

  constructor(init: { adapter: ProviderAdapter; client: unknown; model: string; where: Endpoint; options: ChatOptions; replay?: ReplayEntry; server?: ReplayServer }) {
    this.adapter = init.adapter;
    this.client = init.client;
    this.model = init.model;
    this.where = init.where;
    this.options = init.options;
    this.replay = init.replay;
    this.server = init.server;
  }

  /** The request for `prompt` after the history, with the flags' settings. */
  request(prompt: string): ChatRequest {
    const o = this.options;
    return {
      messages: [...this.history, { role: 'user', content: prompt }],
      ...(o.system === undefined ? {} : { system: o.system }),
      ...(o.maxTokens === undefined ? {} : { maxTokens: o.maxTokens }),
      ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
      ...(o.reasoningEffort === undefined ? {} : { reasoning: { effort: o.reasoningEffort } }),
    };
  }

  /** The deltas answering `prompt`, with the flags' operators (`--retry`, `--idle-timeout`, `--split-reasoning`). */
  source(prompt: string): Observable<Delta> {
    const { params } = this.adapter.toParams(this.request(prompt), this.model);
    let deltas = this.adapter.source(this.client, params);
    if (this.options.retry > 0) deltas = deltas.pipe(retryBeforeFirstDelta({ count: this.options.retry }));
    if (this.options.idleTimeoutMs !== undefined) deltas = deltas.pipe(timeoutIdle(this.options.idleTimeoutMs));
    if (this.options.splitReasoning) deltas = deltas.pipe(splitReasoning());
    return deltas;
  }

  /** Adds a finished (or partial) answer to the history. */
  remember(prompt: string, builder: SnapshotBuilder): void {
    if (builder.deltaCount === 0) return;
    this.history.push({ role: 'user', content: prompt }, toAssistantMessage(builder.snapshot()));
  }
}

/**
 * Runs `rxllm chat`: a typed prompt gives one answer; without one, a terminal gets the
 * interactive chat, piped stdin gives the prompt, and otherwise (CI, scripts) the replay plays
 * its recorded question. Resolves with the exit code.
 * @throws CliError for a missing key, SDK or prompt.
 */
export async function runChat(options: ChatOptions, ctx: ChatContext): Promise<number> {
  let server: ReplayServer | undefined;
  try {
    const session = await connect(options, ctx, (s) => (server = s));
    let prompt = options.prompt;
    if (prompt === undefined) {
      const stdin = ctx.stdin;
      if (stdin?.isTTY === true && ctx.stdoutIsTTY === true) return await runInteractive(session, options, ctx);
      const piped = stdin === undefined ? undefined : await readPiped(stdin);
      if (piped !== undefined && piped.trim() !== '') prompt = piped.trim();
      else if (session.replay !== undefined) prompt = session.replay.question;
      else throw usageError(`no prompt: type it after the command (rxllm chat "your question"), pipe it (echo "question" | rxllm chat), or run rxllm chat in a terminal.`);
    }
    if (session.replay !== undefined) ctx.stderr.write(replayNotice(session.replay, options, prompt, ctx.stderrStyle));
    return await answerOnce(session, prompt, options, ctx);
  } finally {
    await server?.close();
  }
}

/** Builds the session: the replay server and its provider, or the chosen provider's client. */
async function connect(options: ChatOptions, ctx: ChatContext, onServer: (server: ReplayServer) => void): Promise<ChatSession> {
  if (options.provider === 'replay') {
    const entry = findReplay(options.replay)!;
    const server = await startReplay(entry, ctx.replayDir, options.speed);
    onServer(server);
    const adapter = adapterOf(entry.provider);
    const { client, ...where } = await clientFor(adapter, ctx.env, server.url);
    return new ChatSession({ adapter, client, model: entry.model, where, options, replay: entry, server });
  }
  const adapter = adapterOf(options.provider);
  const { client, ...where } = await clientFor(adapter, ctx.env);
  return new ChatSession({ adapter, client, model: options.model ?? adapter.defaultModel, where, options });
}

/** Reads stdin to its end when it is a pipe or a file; `undefined` for anything else (a closed or null device). */
function readPiped(stdin: NodeJS.ReadableStream & { readonly fd?: number }): Promise<string | undefined> {
  let piped = false;
  try {
    const stat = fstatSync(stdin.fd ?? 0);
    piped = stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    piped = false;
  }
  if (!piped) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      if (text.length < 1_000_000) text += chunk;
    });
    stdin.on('end', () => resolve(text));
    stdin.on('error', () => resolve(text));
  });
}

/** One answer in one-shot mode, rendered as the flags say; the exit code. */
async function answerOnce(session: ChatSession, prompt: string, options: ChatOptions, ctx: ChatContext): Promise<number> {
  const { outcome, builder, stats } = await answer(session, prompt, options, ctx, ctx.interrupt);
  let closedNote = '';
  if (outcome.kind === 'aborted' && session.server !== undefined) {
    // The note says whether the abort reached the wire: the replay server saw its socket close.
    closedNote = await session.server.waitForSocketsClosed(closeWaitMs).then(
      () => '; the replay connection closed',
      () => `; the replay connection was still open after ${closeWaitMs} ms`,
    );
  }
  return report(outcome, builder, stats, session, prompt, options, ctx, closedNote);
}

/**
 * Streams one answer: rendered live (with the status line on a terminal), as NDJSON deltas, or
 * silently for `--json`. `signal` stops it (the request is aborted).
 */
export async function answer(
  session: ChatSession,
  prompt: string,
  options: ChatOptions,
  ctx: ChatContext,
  signal: AbortSignal,
): Promise<{ outcome: Outcome; builder: SnapshotBuilder; stats: StreamStats }> {
  const builder = new SnapshotBuilder();
  const stats = new StreamStats();
  const live = options.output === 'text' && !options.json;
  const status = live && ctx.stdoutIsTTY === true ? new StatusLine(ctx.stdout, ctx.stdoutStyle) : undefined;
  const renderer = live ? new LiveRenderer(status ?? ctx.stdout, ctx.stdoutStyle) : undefined;
  const ndjson = options.output === 'ndjson';
  let source: Observable<Delta>;
  try {
    source = session.source(prompt);
  } catch (error) {
    status?.end();
    return { outcome: { kind: 'error', error }, builder, stats };
  }
  const outcome = await consume(source, signal, (delta) => {
    builder.apply(delta);
    stats.next(delta, performance.now());
    status?.next(delta);
    renderer?.next(delta);
    if (ndjson) ctx.stdout.write(`${JSON.stringify(delta)}\n`);
  });
  stats.end();
  status?.end();
  renderer?.end();
  session.remember(prompt, builder);
  return { outcome, builder, stats };
}

/** Prints how the answer ended; the exit code. */
function report(
  outcome: Outcome,
  builder: SnapshotBuilder,
  stats: StreamStats,
  session: ChatSession,
  prompt: string,
  options: ChatOptions,
  ctx: ChatContext,
  closedNote: string,
): number {
  const { dim, red, yellow, reset } = ctx.stderrStyle;
  const arrived = builder.deltaCount > 0;
  const count = `${builder.deltaCount} ${builder.deltaCount === 1 ? 'delta' : 'deltas'}`;
  const json = () => ctx.stdout.write(toJSON(builder, session, prompt));
  switch (outcome.kind) {
    case 'done':
      if (options.json) json();
      else if (options.output === 'text') ctx.stderr.write(`${dim}${formatStats(stats, builder.snapshot())}${reset}\n`);
      return 0;
    case 'error':
      if (options.json && arrived) json();
      ctx.stderr.write(`${red}error:${reset} ${explainError(outcome.error, session.where)}\n`);
      if (arrived) ctx.stderr.write(`${dim}(${count} had arrived${options.json ? '; the partial snapshot is on stdout' : ''})${reset}\n`);
      return 1;
    case 'aborted':
    default:
      if (options.json && arrived) json();
      ctx.stderr.write(`${yellow}interrupted:${reset} request aborted after ${count}${closedNote}.\n`);
      return INTERRUPTED;
  }
}

/** Subscribes `source` until it ends or `interrupt` aborts (which unsubscribes: the request is aborted). */
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

/** Said before a replayed answer: which question the recording answers, and that a different prompt is ignored. */
export function replayNotice(entry: ReplayEntry, options: ChatOptions, prompt: string, style: Style): string {
  const model = options.model === undefined ? '' : ` (--model ${options.model} ignored)`;
  const pace = options.speed === 1 ? '' : options.speed === 0 ? ' at full speed' : ` at ${options.speed}x`;
  const lines = [
    `${style.yellow}replay${style.reset} ${entry.name}: a recorded ${entry.model} answer${model}${pace}, played through ${adapterOf(entry.provider).sdkPackage} and rxllm.`,
    `${style.bold}recorded question:${style.reset} ${entry.question}`,
  ];
  if (!samePrompt(prompt, entry.question)) {
    const shown = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
    lines.push(`${style.yellow}your prompt is ignored:${style.reset} ${JSON.stringify(shown)} — a replay answers only its recorded question. ${style.dim}Set a provider key for a real answer (rxllm --help).${style.reset}`);
  }
  return `${lines.join('\n')}\n`;
}

function samePrompt(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
  return norm(a) === norm(b);
}

/** `--json`: the snapshot, and for a replay which question it answers. */
function toJSON(builder: SnapshotBuilder, session: ChatSession, prompt: string): string {
  const snapshot = builder.snapshot();
  const replay = session.replay;
  const out = replay === undefined ? snapshot : { ...snapshot, replay: { name: replay.name, question: replay.question, promptIgnored: !samePrompt(prompt, replay.question) } };
  return `${JSON.stringify(out, null, 2)}\n`;
}
