/**
 * Command-line parsing of the `rxllm` CLI with `node:util` `parseArgs`: the command, the flags,
 * the provider chosen from flags or environment, and the usage text.
 * @internal
 */
import { parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';
import { defaultModels, providerNames, type ProviderName } from './providers.ts';
import { defaultReplay, replayNames } from './replays.ts';

/** Where requests go: a real provider, or the embedded offline replay. */
export type ProviderChoice = ProviderName | 'replay';

/** Everything `rxllm chat` needs, validated. */
export interface ChatOptions {
  /** The user's prompt (non-blank). */
  readonly prompt: string;
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
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The environment variables that select a provider when `--provider` is absent, in order. */
const keyOrder: readonly (readonly [ProviderName, readonly string[]])[] = [
  ['openai', ['OPENAI_API_KEY']],
  ['anthropic', ['ANTHROPIC_API_KEY']],
  ['google', ['GEMINI_API_KEY', 'GOOGLE_API_KEY']],
];

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
  const prompt = positionals.join(' ');
  if (prompt.trim() === '') throw usageError('the prompt is empty. Type it after the command: rxllm chat "your question".');
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
    },
  };
}

/** `--provider`, else the first provider whose key is set, else the replay. */
export function chooseProvider(flag: string | undefined, replayFlag: boolean, env: NodeJS.ProcessEnv): ProviderChoice {
  if (flag !== undefined) {
    if (flag === 'replay') return 'replay';
    if (!(providerNames as readonly string[]).includes(flag)) {
      throw usageError(`unknown provider '${flag}'. Providers: ${providerNames.join(', ')}, replay.`);
    }
    if (replayFlag) throw usageError(`--replay plays a recorded stream offline; it cannot be combined with --provider ${flag}.`);
    return flag as ProviderName;
  }
  if (replayFlag) return 'replay';
  for (const [name, keys] of keyOrder) {
    if (keys.some((key) => env[key])) return name;
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

/** The `--help` text. */
export const usage = `rxllm chat: stream an LLM answer to the terminal, with reasoning, tool calls and stats.

Usage:
  rxllm chat [options] "prompt"
  npm start -- [options] "prompt"
  rxllm serve [options]    any provider as an OpenAI-compatible server (rxllm serve --help)

Options:
  -p, --provider <name>  openai | anthropic | google | bedrock | replay
                         default: the first of OPENAI_API_KEY, ANTHROPIC_API_KEY,
                         GEMINI_API_KEY / GOOGLE_API_KEY that is set; with none, replay
  -m, --model <id>       the model; defaults:
${Object.entries(defaultModels)
  .map(([p, m]) => `                           ${p.padEnd(10)}${m}`)
  .join('\n')}
      --max-tokens <n>   output token limit (default: the provider's; anthropic 4096)
      --replay <name>    play a recorded real stream offline, through its provider's SDK
                         (implies --provider replay; default ${defaultReplay});
                         --replay list lists them
      --speed <x>        replay pace: 2 twice as fast, 0.5 half, 0 as fast as possible (default 1)
      --json             print the final snapshot as JSON instead of the live rendering
  -h, --help             print this help
  -v, --version          print the version

Environment:
  OPENAI_API_KEY       OpenAI; with OPENAI_BASE_URL any Chat Completions server
                       (Groq, DeepSeek, Ollama, vLLM, OpenRouter: give --model)
  ANTHROPIC_API_KEY    Anthropic (ANTHROPIC_BASE_URL to change the endpoint)
  GEMINI_API_KEY       Google Gemini (or GOOGLE_API_KEY)
  AWS_REGION           Bedrock, with the AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)
  NO_COLOR             no colour (nor when the output is not a terminal)

Ctrl-C aborts the request. Exit codes: 0 done, 1 request failed, 2 usage error, 130 interrupted.
`;
