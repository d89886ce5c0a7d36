/**
 * Command-line flags of `rxllm serve` (`node:util` `parseArgs`) and its help text.
 * @internal
 */
import { parseArgs } from 'node:util';
import { chooseProvider, flagMessage, parseSpeed } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { providerNames } from '../providers.ts';
import { defaultReplay, replayNames } from '../replays.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../gateway/read-body.ts';
import type { ServeOptions } from './server.ts';
import { parseReplayFault, type ReplayFaultSpec } from './replay-fault.ts';

/** The options the `rxllm serve` flags set. */
export type ServeFlags = Required<Pick<ServeOptions, 'provider' | 'host' | 'port' | 'maxBodyBytes' | 'splitReasoning' | 'fallback' | 'speed' | 'replay'>> &
  Pick<ServeOptions, 'model' | 'idleTimeoutMs' | 'cors' | 'apiKey' | 'allowedHosts' | 'graceMs' | 'fault' | 'logBodies' | 'resumable' | 'otel'>;

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
  'api-key': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  'unsafe-no-api-key': { type: 'boolean' },
  grace: { type: 'string' },
  fault: { type: 'string', multiple: true },
  'log-bodies': { type: 'boolean' },
  resumable: { type: 'string' },
  otel: { type: 'boolean' },
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
  if (provider !== 'replay' && values.fault !== undefined) throw usageError(`--fault breaks a replay on purpose; it does not apply to --provider ${provider}.`);
  const host = values.host ?? '127.0.0.1';
  const apiKey = values['api-key'] ?? (env.RXLLM_API_KEY || undefined);
  if (apiKey !== undefined && apiKey.trim() === '') throw usageError('--api-key is empty; choose a long random key (e.g. openssl rand -hex 32).');
  if (!isLoopback(host) && apiKey === undefined && values['unsafe-no-api-key'] !== true) {
    throw usageError(
      `--host ${host} listens beyond this machine, and anyone who reaches the port would spend your provider credits. ` +
        'Set a key clients must send as "Authorization: Bearer KEY": --api-key KEY or RXLLM_API_KEY=KEY ' +
        '(e.g. RXLLM_API_KEY=$(openssl rand -hex 32)). To listen without one anyway, add --unsafe-no-api-key.',
    );
  }
  return {
    kind: 'serve',
    options: {
      provider,
      model: values.model,
      replay: values.replay ?? defaultReplay,
      speed: values.speed === undefined ? 1 : parseSpeed(values.speed),
      host,
      port: values.port === undefined ? 8080 : parsePort(values.port),
      splitReasoning: values['split-reasoning'] === true,
      idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout'], '--idle-timeout'),
      fallback: values.fallback === true,
      maxBodyBytes: values['max-body'] === undefined ? DEFAULT_MAX_BODY_BYTES : parseSize(values['max-body']),
      cors: values.cors === undefined ? undefined : parseOrigins(values.cors),
      apiKey,
      allowedHosts: values['allowed-hosts'] === undefined ? [] : parseList(values['allowed-hosts'], '--allowed-hosts'),
      graceMs: values.grace === undefined ? 10_000 : parseDuration(values.grace, '--grace', { zero: true }),
      fault: values.fault === undefined ? undefined : parseFaultSpec(values.fault.join(','), '--fault'),
      logBodies: values['log-bodies'] === true,
      resumable: values.resumable === undefined ? undefined : parseResumable(values.resumable),
      otel: values.otel === true,
    },
  };
}

/** `--resumable`: `memory`, or a Redis URL (`redis://host:6379`, `rediss://…`). */
function parseResumable(text: string): string {
  if (text === 'memory' || /^rediss?:\/\/./.test(text)) return text;
  throw usageError(`--resumable takes memory or a Redis URL such as redis://127.0.0.1:6379, not '${text}'.`);
}

/** A port number 0–65535 (0: any free port). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw usageError(`--port takes a port number 0-65535 (0: any free port), not '${text}'.`);
  return port;
}

/** The longest duration a flag takes: Node timers overflow past 2^31 - 1 ms (24.8 days). */
const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * `30s`, `500ms`, `2m`, or a bare number of seconds, in ms: above 0 (0 too with `zero`), at most
 * 24 days.
 */
export function parseDuration(text: string, flag = '--idle-timeout', { zero = false }: { readonly zero?: boolean } = {}): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const says = `${flag} takes a duration${zero ? ' (0 or more)' : ' above 0'} such as 30s, 500ms or 2m, not '${text}'.`;
  if (match === null) throw usageError(says);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000);
  if (ms > MAX_DURATION_MS) throw usageError(`${flag} takes at most 24 days (${MAX_DURATION_MS} ms), not '${text}'.`);
  if (ms === 0 && !(zero && n === 0)) throw usageError(says);
  return ms;
}

/** The largest `--max-body`: 1 GiB. */
const MAX_BODY_LIMIT = 1024 ** 3;

/** `1mb`, `512kb`, `2MiB`, or a bare number of bytes, in bytes (k and m are 1024-based): a whole number of bytes from 1 to 1 GiB. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  const says = `--max-body takes a size such as 1mb, 512kb or 1048576 (a whole number of bytes, 1 to 1gb), not '${text}'.`;
  if (match === null) throw usageError(says);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  const bytes = Number(match[1]) * factor;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_BODY_LIMIT) throw usageError(says);
  return bytes;
}

/** Loopback listen addresses (this machine only). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** A comma-separated list, none empty. */
function parseList(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '' || /[\s\x00-\x1f\x7f]/.test(s))) throw usageError(`${flag} takes a comma-separated list without spaces or empty items, not '${text}'.`);
  return items;
}

/** `--cors`: `*`, or comma-separated origins (`http://localhost:4200`). */
function parseOrigins(text: string): string[] {
  const origins = parseList(text, '--cors');
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url === undefined || url.origin !== origin) {
      throw usageError(`--cors takes origins as a browser sends them (scheme://host[:port], no path or trailing slash) or *, not '${origin}'.`);
    }
  }
  return origins;
}

/**
 * `--fault drop=5,first=200`: the faults a replay applies (also the `x-rxllm-fault` header's
 * syntax). Keys: drop, stall, malformed, error-event (after N events), status (an HTTP error
 * instead of the stream), first (ms before the answer), delay (ms between events).
 * @throws CliError (usage) naming the bad item.
 */
export function parseFaultSpec(text: string, flag: string): ReplayFaultSpec {
  try {
    return parseReplayFault(text);
  } catch (error) {
    throw usageError(`${flag}: ${(error as Error).message}`);
  }
}

/** The `rxllm serve --help` text (one screen: at most 40 lines of 100 columns). */
export const serveUsage = `rxllm serve: any provider as an OpenAI-compatible server (POST /v1/chat/completions, GET /v1/models,
GET /health, GET /metrics). Logs one JSON line per request on stderr.

Options:
  -p, --provider <name>   ${providerNames.join('|')}|replay
                          (default: the first provider with a key set, else replay)
  -m, --model <id>        the model clients name (default: the provider's, or the recording's)
      --replay <name>     serve a recorded stream offline (default ${defaultReplay}; --replay list)
      --speed <x>         replay pace: 2 twice as fast, 0 no pauses (default 1)
      --fault <spec>      break each replayed answer: drop=N | stall=N | malformed=N | error-event=N
                          (after N events), status=429, first=MS, delay=MS; per request: header
                          x-rxllm-fault: drop=5
      --host <address>    listen address (default 127.0.0.1); any other needs --api-key
      --port <n>          port (default 8080; 0: any free port)
      --api-key <key>     clients must send Authorization: Bearer <key> (better: RXLLM_API_KEY,
                          which ps does not show)
      --allowed-hosts <h> Host names accepted besides loopback and the listen address (a,b)
      --cors <origin>     allow browser calls from <origin> (comma-separated, or *)
      --idle-timeout <t>  fail a stream after <t> without content (30s, 500ms, 2m)
      --grace <t>         on SIGTERM/Ctrl-C, let open answers finish for <t> (default 10s)
      --max-body <size>   largest request body (default 1mb; larger gets 413)
      --split-reasoning   move <think>...</think> in the answer into reasoning_content
      --fallback          retry without streaming when the provider refuses to stream
      --log-bodies        put requests (prompts) in the access log (default: never)
      --otel              a GenAI span and metrics per request on the registered OpenTelemetry SDK
      --resumable <store> memory | redis://host:6379: answers resume after a disconnect, on any
                          instance (GET …/completions/{id}/stream; same RXLLM_RESUMABLE_SECRET)
      --unsafe-no-api-key listen beyond this machine without a key (anyone can spend your credits)
  -h, --help              print this help

Examples:
  rxllm serve
  rxllm serve --replay anthropic-thinking --speed 2 --fault drop=20
  ANTHROPIC_API_KEY=... rxllm serve -p anthropic -m claude-sonnet-4-6 --cors http://localhost:4200
  RXLLM_API_KEY=$(openssl rand -hex 32) rxllm serve -p openai --host 0.0.0.0 --port 8080
  curl -s localhost:8080/health; curl -s localhost:8080/metrics

Clients: any OpenAI SDK or tool with base URL http://127.0.0.1:8080/v1. Request fields a provider
has no place for are named in the x-rxllm-ignored-params response header.
`;
