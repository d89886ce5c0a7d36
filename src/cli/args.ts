/**
 * Command-line parsing of the `rxllm` CLI with `node:util` `parseArgs`: the command, the flags,
 * the provider chosen from flags or environment, and the usage text.
 * @internal
 */
import { parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';
import { adapterOf, defaultModels, providerNames, type ProviderName } from './providers.ts';
import { adapterNamed, adapters } from '../providers/adapters.ts';
import { defaultReplay, replayNames } from './replays.ts';

/** Where requests go: a real provider, or the embedded offline replay. */
export type ProviderChoice = ProviderName | 'replay';

/** Everything `rxllm chat` needs, validated. */
export interface ChatOptions {
  /**
   * The user's prompt, or `undefined` when none was typed after the command: then a terminal gets
   * the interactive chat, piped stdin gives the prompt, and anything else plays the replay's own question.
   */
  readonly prompt: string | undefined;
  readonly provider: ProviderChoice;
  /** `--model`, or `undefined` for the provider's default. */
  readonly model: string | undefined;
  /** The replay's name (`--replay`, default `openai-text`); used only when `provider` is `replay`. */
  readonly replay: string;
  /** Replay pace multiplier: 1 realistic, 2 twice as fast, 0 no pauses. */
  readonly speed: number;
  /** `--max-tokens`: output token limit, or `undefined` for the provider's default. */
  readonly maxTokens: number | undefined;
  /** Print the final snapshot as JSON instead of the live rendering. */
  readonly json: boolean;
  /** `--output ndjson`: one JSON delta per line on stdout (for scripts), instead of the rendering. */
  readonly output: 'text' | 'ndjson';
  /** `--system`: instructions before the conversation. */
  readonly system: string | undefined;
  /** `--temperature`. */
  readonly temperature: number | undefined;
  /** `--reasoning-effort`. */
  readonly reasoningEffort: 'minimal' | 'low' | 'medium' | 'high' | undefined;
  /** `--split-reasoning`: `<think>…</think>` in the text becomes reasoning. */
  readonly splitReasoning: boolean;
  /** `--idle-timeout`: fail after this many ms without content (`timeoutIdle`). */
  readonly idleTimeoutMs: number | undefined;
  /** `--retry N`: retries before the first delta (`retryBeforeFirstDelta`), 0 for none. */
  readonly retry: number;
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'replay-list' }
  | { readonly kind: 'chat'; readonly options: ChatOptions };

const options = {
  provider: { type: 'string', short: 'p' },
  model: { type: 'string', short: 'm' },
  'max-tokens': { type: 'string' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  json: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  system: { type: 'string', short: 's' },
  temperature: { type: 'string' },
  'reasoning-effort': { type: 'string' },
  'split-reasoning': { type: 'boolean' },
  'idle-timeout': { type: 'string' },
  retry: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The providers chosen by a key in the environment when `--provider` is absent, in order (not Bedrock: its credentials come from the AWS chain). */
const keyOrder: readonly ProviderName[] = ['openai', 'anthropic', 'google'];

/**
 * Parses `argv` (the arguments after `node main.ts`). Throws a usage `CliError` (exit code 2)
 * for an unknown command or flag, a missing or bad flag value, an unknown provider or replay,
 * conflicting flags, or an empty prompt.
 */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw usageError(`a command is missing.\n\n${usage}`);
  if (command === '--help' || command === '-h' || command === 'help') return { kind: 'help' };
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command !== 'chat') {
    throw usageError(`unknown command '${command}'. The commands are: rxllm chat "prompt", rxllm serve (see rxllm --help).`);
  }

  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${flagMessage(err)} (see rxllm --help).`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values.replay === 'list') return { kind: 'replay-list' };

  const speed = values.speed === undefined ? 1 : parseSpeed(values.speed);
  const maxTokens = values['max-tokens'] === undefined ? undefined : parseMaxTokens(values['max-tokens']);
  const provider = chooseProvider(values.provider, values.replay !== undefined, env);
  if (values.replay !== undefined && !replayNames.includes(values.replay)) {
    throw usageError(`unknown replay '${values.replay}'. Replays: ${replayNames.join(', ')} (rxllm chat --replay list describes them).`);
  }
  if (provider !== 'replay' && values.speed !== undefined) {
    throw usageError(`--speed paces a replay; it does not apply to --provider ${provider}.`);
  }
  const typed = positionals.join(' ');
  if (positionals.length > 0 && typed.trim() === '') throw usageError('the prompt is empty. Type it after the command: rxllm chat "your question", or leave it out for the interactive chat.');
  const prompt = positionals.length === 0 ? undefined : typed;
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'ndjson') throw usageError(`--output takes text or ndjson, not '${output}'.`);
  if (output === 'ndjson' && values.json === true) throw usageError('--json prints the final snapshot and --output ndjson every delta: choose one.');
  const effort = values['reasoning-effort'];
  if (effort !== undefined && effort !== 'minimal' && effort !== 'low' && effort !== 'medium' && effort !== 'high') {
    throw usageError(`--reasoning-effort takes minimal, low, medium or high, not '${effort}'.`);
  }
  return {
    kind: 'chat',
    options: {
      prompt,
      provider,
      model: values.model,
      replay: values.replay ?? defaultReplay,
      speed,
      maxTokens,
      json: values.json === true,
      output,
      system: values.system,
      temperature: values.temperature === undefined ? undefined : parseTemperature(values.temperature),
      reasoningEffort: effort,
      splitReasoning: values['split-reasoning'] === true,
      idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout'], '--idle-timeout'),
      retry: values.retry === undefined ? 0 : parseCount(values.retry, '--retry'),
    },
  };
}

/** `--provider`, else the first provider whose key is set, else the replay. */
export function chooseProvider(flag: string | undefined, replayFlag: boolean, env: NodeJS.ProcessEnv): ProviderChoice {
  if (flag !== undefined) {
    if (flag === 'replay') return 'replay';
    const adapter = adapterNamed(flag);
    if (adapter === undefined) throw usageError(`unknown provider '${flag}'. Providers: ${providerNames.join(', ')}, replay.`);
    if (replayFlag) throw usageError(`--replay plays a recorded stream offline; it cannot be combined with --provider ${flag}.`);
    return adapter.name;
  }
  if (replayFlag) return 'replay';
  for (const name of keyOrder) {
    if (adapterOf(name).environment.keys.some((key) => env[key])) return name;
  }
  return 'replay';
}

/** `--speed`: a number >= 0. Throws a usage `CliError` otherwise. */
export function parseSpeed(text: string): number {
  const speed = Number(text);
  if (text.trim() === '' || !Number.isFinite(speed) || speed < 0) {
    throw usageError(`--speed takes a number >= 0 (2: twice as fast, 0: as fast as possible), not '${text}'.`);
  }
  return speed;
}

function parseTemperature(text: string): number {
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t) || t < 0 || t > 2) throw usageError(`--temperature takes a number from 0 to 2, not '${text}'.`);
  return t;
}

function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 10) throw usageError(`${flag} takes a whole number from 0 to 10, not '${text}'.`);
  return n;
}

/**
 * A duration flag: `500ms`, `30s`, `2m`, or a bare number of seconds; must be > 0.
 * @throws CliError (usage) naming the flag.
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000);
  if (!Number.isFinite(ms) || ms < 1) throw usageError(`${flag} takes a duration > 0 such as 500ms, 30s or 2m, not '${text}'.`);
  return Math.round(ms);
}

function parseMaxTokens(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw usageError(`--max-tokens takes a whole number of tokens > 0, not '${text}'.`);
  return n;
}

/** parseArgs' message, shortened to what the user typed wrong. */
export function flagMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option '${flag}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return message.replace(/\.$/, '');
  return message;
}

/** The `--help` text: fits a 24-line screen's worth per section, with examples. */
export const usage = `rxllm chat: talk to an LLM in the terminal, streamed, with reasoning, tool calls and stats.

Usage:
  rxllm chat                 interactive chat in a terminal (/reset, /save FILE, /exit; Ctrl-C stops an answer)
  rxllm chat "prompt"        one answer;  echo "prompt" | rxllm chat  reads the prompt from stdin
  rxllm serve [options]      any provider as an OpenAI-compatible server (rxllm serve --help)

Options:
  -p, --provider <name>    ${providerNames.join(' | ')} (local) | replay
                           default: the first provider whose key is set; with none, replay
  -m, --model <id>         the model (defaults: ${Object.entries(defaultModels).map(([p, m]) => `${p} ${m}`).join(', ')})
  -s, --system <text>      instructions;   --temperature <0-2>;   --max-tokens <n>
      --reasoning-effort <minimal|low|medium|high>   (a thinking budget for Anthropic, Gemini, Bedrock)
      --split-reasoning    <think>…</think> in the text becomes reasoning
      --idle-timeout <d>   fail after <d> (500ms, 30s) without content;  --retry <n>  retries before the first delta
      --replay <name>      play a recorded stream offline (default ${defaultReplay}; --replay list); --speed <x> its pace
      --json               print the final snapshot as JSON;  -o, --output ndjson  one JSON delta per line
  -h, --help  -v, --version

Keys (environment):
${adapters.map((a) => `  ${a.name.padEnd(17)} ${[...(a.environment.required ?? []), ...a.environment.keys].join(', ')}${a.environment.endpoint ? ` (endpoint: ${a.environment.endpoint})` : ''}`).join('\n')}
  NO_COLOR           no colour (nor when the output is not a terminal)

Examples:
  npm start                                     the default replay, offline
  rxllm chat -p anthropic -s "Be brief." "Why is the sky blue?"
  rxllm chat --output ndjson "Hi" | jq -c 'select(.type == "text")'

Exit codes: 0 done, 1 request failed, 2 usage error, 130 interrupted.
`;
