/**
 * Command-line flags of `rxllm serve` (`node:util` `parseArgs`) and its help text.
 * @internal
 */
import { parseArgs } from 'node:util';
import { chooseProvider, flagMessage, parseSpeed } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { defaultModels, providerNames } from '../providers.ts';
import { defaultReplay, replayNames } from '../replays.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../gateway/read-body.ts';
import type { ServeOptions } from './server.ts';

/** The options the `rxllm serve` flags set. */
export type ServeFlags = Required<Pick<ServeOptions, 'provider' | 'host' | 'port' | 'maxBodyBytes' | 'splitReasoning' | 'fallback' | 'speed' | 'replay'>> &
  Pick<ServeOptions, 'model' | 'idleTimeoutMs' | 'cors'>;

/** What `rxllm serve …` asks for. */
export type ServeCommand =
  | { readonly kind: 'serve'; readonly options: ServeFlags }
  | { readonly kind: 'serve-help' }
  | { readonly kind: 'replay-list' };

const options = {
  provider: { type: 'string', short: 'p' },
  model: { type: 'string', short: 'm' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'split-reasoning': { type: 'boolean' },
  'idle-timeout': { type: 'string' },
  fallback: { type: 'boolean' },
  'max-body': { type: 'string' },
  cors: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses the arguments after `rxllm serve`. The provider is chosen as `rxllm chat` chooses it
 * (`--provider`, else the first key set, else the replay).
 * @throws CliError (usage, exit code 2) for an unknown flag, a positional argument, a bad value,
 * an unknown provider or replay, or `--replay` / `--speed` with a real provider.
 */
export function parseServeArgs(args: readonly string[], env: NodeJS.ProcessEnv): ServeCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${flagMessage(err)} (see rxllm serve --help).`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'serve-help' };
  if (values.replay === 'list') return { kind: 'replay-list' };
  if (positionals.length > 0) throw usageError(`rxllm serve takes no prompt ('${positionals.join(' ')}'); clients send their messages (see rxllm serve --help).`);
  const provider = chooseProvider(values.provider, values.replay !== undefined, env);
  if (values.replay !== undefined && !replayNames.includes(values.replay)) {
    throw usageError(`unknown replay '${values.replay}'. Replays: ${replayNames.join(', ')} (rxllm serve --replay list describes them).`);
  }
  if (provider !== 'replay' && values.speed !== undefined) throw usageError(`--speed paces a replay; it does not apply to --provider ${provider}.`);
  return {
    kind: 'serve',
    options: {
      provider,
      model: values.model,
      replay: values.replay ?? defaultReplay,
      speed: values.speed === undefined ? 1 : parseSpeed(values.speed),
      host: values.host ?? '127.0.0.1',
      port: values.port === undefined ? 8080 : parsePort(values.port),
      splitReasoning: values['split-reasoning'] === true,
      idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout']),
      fallback: values.fallback === true,
      maxBodyBytes: values['max-body'] === undefined ? DEFAULT_MAX_BODY_BYTES : parseSize(values['max-body']),
      cors: values.cors,
    },
  };
}

/** A port number 0–65535 (0: any free port). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw usageError(`--port takes a port number 0-65535 (0: any free port), not '${text}'.`);
  return port;
}

/** `30s`, `500ms`, `2m`, or a bare number of seconds, in ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) throw usageError(`--idle-timeout takes a duration such as 30s, 500ms or 2m, not '${text}'.`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000);
}

/** `1mb`, `512kb`, `2MiB`, or a bare number of bytes, in bytes (k and m are 1024-based). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  if (match === null || Number(match[1]) <= 0) throw usageError(`--max-body takes a size such as 1mb, 512kb or 1048576 (bytes), not '${text}'.`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  return Math.floor(Number(match[1]) * factor);
}

/** The `rxllm serve --help` text. */
export const serveUsage = `rxllm serve: any provider as an OpenAI-compatible server (POST /v1/chat/completions, GET /v1/models).

Usage:
  rxllm serve [options]
  node src/cli/main.ts serve [options]     (from a checkout, Node 24)

Options:
  -p, --provider <name>   ${providerNames.join(' | ')} | replay
                          default: the first of OPENAI_API_KEY, ANTHROPIC_API_KEY,
                          GEMINI_API_KEY / GOOGLE_API_KEY that is set; with none, replay
  -m, --model <id>        the model requests go to and must name; defaults:
${Object.entries(defaultModels)
  .map(([p, m]) => `                            ${p.padEnd(10)}${m}`)
  .join('\n')}
                            replay    the recording's model
      --replay <name>     serve a recorded real stream offline (default ${defaultReplay});
                          --replay list lists them
      --speed <x>         replay pace: 2 twice as fast, 0 as fast as possible (default 1)
      --host <address>    address to listen on (default 127.0.0.1: this machine only)
      --port <n>          port (default 8080; 0: any free port)
      --split-reasoning   move <think>...</think> in the answer into reasoning_content
      --idle-timeout <t>  fail a stream after <t> without content (30s, 500ms, 2m)
      --fallback          retry without streaming when the provider refuses to stream
      --max-body <size>   largest request body (default 1mb); larger gets 413
      --cors <origin>     allow browser calls from <origin> (or * for any)
  -h, --help              print this help

Clients: any OpenAI SDK or tool with base URL http://127.0.0.1:8080/v1 (any API key).
Requests are translated to the provider's format (messages, tools, tool_choice, max_tokens,
temperature, top_p, stop); fields a provider has no place for are named in the
x-rxllm-ignored-params response header. Ctrl-C (or SIGTERM) stops the server.
`;
