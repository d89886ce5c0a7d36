/**
 * How the `rxllm` CLI reaches each provider: its official SDK client (imported only when used, as
 * every SDK is an optional peer dependency), its key from the environment, and rxllm's source.
 * @internal
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { GoogleGenAI } from '@google/genai';
import type OpenAI from 'openai';
import type { Observable } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { CliError, usageError } from './cli-error.ts';

/** The real providers. */
export type ProviderName = 'openai' | 'anthropic' | 'google' | 'bedrock';

/** Every real provider, in `--help` order. */
export const providerNames: readonly ProviderName[] = ['openai', 'anthropic', 'google', 'bedrock'];

/** The model each provider uses without `--model`. */
export const defaultModels: Readonly<Record<ProviderName, string>> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-6',
  google: 'gemini-flash-latest',
  bedrock: 'us.amazon.nova-lite-v1:0',
};

/** The official SDK package of each provider (an optional peer dependency of rxllm). */
export const sdkPackages: Readonly<Record<ProviderName, string>> = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
  google: '@google/genai',
  bedrock: '@aws-sdk/client-bedrock-runtime',
};

/** One request to make. */
export interface ProviderRequest {
  readonly provider: ProviderName;
  readonly model: string;
  readonly prompt: string;
  readonly maxTokens: number | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** Set for a replay: the loopback server's origin, which replaces the endpoint and the keys. */
  readonly replayURL?: string;
}

/** Where a provider's SDK client sends, and the environment variables that set it, for messages. */
export interface Endpoint {
  /** The endpoint the SDK sends to (base URL, or Bedrock's regional endpoint), for messages. */
  readonly endpoint: string;
  /** The environment variable that sets `endpoint`, for hints. */
  readonly endpointVar: string | undefined;
  /** The environment variable(s) holding the key, for hints. */
  readonly keyVar: string;
}

/** A cold source for the request, and where it goes. */
export interface Connection extends Endpoint {
  /** The rxllm source: one request per subscription, aborted on unsubscribe. */
  readonly source: Observable<Delta>;
}

/** An SDK client and where it sends. */
export interface ProviderClient<C> extends Endpoint {
  readonly client: C;
}

/**
 * Builds the SDK client and rxllm source of `request.provider`. The SDK's own retries stay on
 * (the default of each SDK) except in a replay. Throws a usage `CliError` when the key (or
 * Bedrock's region) is missing, naming the variable to set; a `CliError` when the SDK package is
 * not installed.
 */
export async function connect(request: ProviderRequest): Promise<Connection> {
  switch (request.provider) {
    case 'openai':
      return connectOpenAI(request);
    case 'anthropic':
      return connectAnthropic(request);
    case 'google':
      return connectGoogle(request);
    case 'bedrock':
      return connectBedrock(request);
    default:
      throw usageError(`unknown provider '${String(request.provider)}'.`);
  }
}

/**
 * The openai SDK client: OPENAI_API_KEY, and OPENAI_BASE_URL for an OpenAI-compatible server
 * (`compatible`); with `replayURL`, that loopback server with a placeholder key and no retries.
 * Throws a usage `CliError` when the key is missing, a `CliError` when the SDK is not installed.
 */
export async function openAIClient(env: NodeJS.ProcessEnv, replayURL?: string): Promise<ProviderClient<OpenAI> & { readonly compatible: boolean }> {
  const apiKey = replayURL ? 'replay' : requireKey(env, ['OPENAI_API_KEY'], 'openai', 'https://platform.openai.com/api-keys');
  const { default: OpenAISdk } = await importSdk<typeof import('openai')>('openai', () => import('openai'));
  const custom = env.OPENAI_BASE_URL || undefined;
  const baseURL = replayURL ? `${replayURL}/v1` : (custom ?? 'https://api.openai.com/v1');
  const client = new OpenAISdk({ apiKey, baseURL, ...(replayURL ? { maxRetries: 0 } : {}) });
  return { client, compatible: custom !== undefined, endpoint: baseURL, endpointVar: 'OPENAI_BASE_URL', keyVar: 'OPENAI_API_KEY' };
}

/** Chat Completions: https://platform.openai.com/docs/api-reference/chat/create */
async function connectOpenAI(request: ProviderRequest): Promise<Connection> {
  const { client, compatible, ...where } = await openAIClient(request.env, request.replayURL);
  const { fromOpenAI } = await import('../providers/openai/index.ts');
  // max_completion_tokens is OpenAI's current name; compatible servers (Ollama, vLLM, …) know max_tokens.
  const limit = request.maxTokens === undefined ? {} : compatible ? { max_tokens: request.maxTokens } : { max_completion_tokens: request.maxTokens };
  const source = fromOpenAI(client, {
    model: request.model,
    messages: [{ role: 'user', content: request.prompt }],
    stream_options: { include_usage: true },
    ...limit,
  });
  return { source, ...where };
}

/**
 * The @anthropic-ai/sdk client: ANTHROPIC_API_KEY (the SDK reads ANTHROPIC_BASE_URL itself); with
 * `replayURL`, that loopback server with a placeholder key and no retries.
 * Throws a usage `CliError` when the key is missing, a `CliError` when the SDK is not installed.
 */
export async function anthropicClient(env: NodeJS.ProcessEnv, replayURL?: string): Promise<ProviderClient<Anthropic>> {
  const apiKey = replayURL ? 'replay' : requireKey(env, ['ANTHROPIC_API_KEY'], 'anthropic', 'https://console.anthropic.com/settings/keys');
  const { default: AnthropicSdk } = await importSdk<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk', () => import('@anthropic-ai/sdk'));
  const client = new AnthropicSdk({ apiKey, ...(replayURL ? { baseURL: replayURL, maxRetries: 0 } : {}) });
  return { client, endpoint: client.baseURL, endpointVar: 'ANTHROPIC_BASE_URL', keyVar: 'ANTHROPIC_API_KEY' };
}

/** Messages API: https://docs.anthropic.com/en/api/messages (max_tokens is required). */
async function connectAnthropic(request: ProviderRequest): Promise<Connection> {
  const { client, ...where } = await anthropicClient(request.env, request.replayURL);
  const { fromAnthropic } = await import('../providers/anthropic/index.ts');
  const source = fromAnthropic(client, {
    model: request.model,
    max_tokens: request.maxTokens ?? 4096,
    messages: [{ role: 'user', content: request.prompt }],
  });
  return { source, ...where };
}

/**
 * The @google/genai client of the Gemini API: GEMINI_API_KEY or GOOGLE_API_KEY; with `replayURL`,
 * that loopback server with a placeholder key.
 * Throws a usage `CliError` when the key is missing, a `CliError` when the SDK is not installed.
 */
export async function googleClient(env: NodeJS.ProcessEnv, replayURL?: string): Promise<ProviderClient<GoogleGenAI>> {
  const apiKey = replayURL ? 'replay' : requireKey(env, ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], 'google', 'https://aistudio.google.com/apikey');
  const { GoogleGenAI: GoogleSdk } = await importSdk<typeof import('@google/genai')>('@google/genai', () => import('@google/genai'));
  const endpoint = replayURL ?? 'https://generativelanguage.googleapis.com';
  const client = new GoogleSdk({ apiKey, vertexai: false, ...(replayURL ? { httpOptions: { baseUrl: replayURL } } : {}) });
  return { client, endpoint, endpointVar: undefined, keyVar: 'GEMINI_API_KEY' };
}

/** Gemini API models.generateContentStream: https://ai.google.dev/api/generate-content */
async function connectGoogle(request: ProviderRequest): Promise<Connection> {
  const { client, ...where } = await googleClient(request.env, request.replayURL);
  const { fromGoogle } = await import('../providers/google/index.ts');
  const source = fromGoogle(client, {
    model: request.model,
    contents: request.prompt,
    ...(request.maxTokens === undefined ? {} : { config: { maxOutputTokens: request.maxTokens } }),
  });
  return { source, ...where };
}

/**
 * The Bedrock Runtime client: the region from AWS_REGION (required), credentials from the AWS
 * chain (env, profile, SSO, instance role); with `replayURL`, that loopback server over HTTP/1.1
 * with placeholder credentials and one attempt.
 * Throws a usage `CliError` when the region is missing, a `CliError` when the SDK is not installed.
 */
export async function bedrockClient(env: NodeJS.ProcessEnv, replayURL?: string): Promise<ProviderClient<BedrockRuntimeClient>> {
  const region = replayURL ? 'us-east-1' : env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw usageError('bedrock needs a region: set AWS_REGION (e.g. export AWS_REGION=us-east-1), with credentials from the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …).');
  }
  const { BedrockRuntimeClient: BedrockSdk } = await importSdk<typeof import('@aws-sdk/client-bedrock-runtime')>(
    '@aws-sdk/client-bedrock-runtime',
    () => import('@aws-sdk/client-bedrock-runtime'),
  );
  let client: BedrockRuntimeClient;
  if (replayURL) {
    // The client speaks HTTP/2 by default; the loopback replay server speaks HTTP/1.1.
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    client = new BedrockSdk({
      region,
      endpoint: replayURL,
      maxAttempts: 1,
      credentials: { accessKeyId: 'replay', secretAccessKey: 'replay' },
      requestHandler: new NodeHttpHandler(),
    });
  } else {
    client = new BedrockSdk({ region });
  }
  const endpoint = replayURL ?? (env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || `https://bedrock-runtime.${region}.amazonaws.com`);
  return { client, endpoint, endpointVar: 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', keyVar: 'AWS_PROFILE or AWS_ACCESS_KEY_ID' };
}

/**
 * Bedrock ConverseStream: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * Credentials come from the AWS chain (env, profile, SSO, instance role); the region is required.
 */
async function connectBedrock(request: ProviderRequest): Promise<Connection> {
  const { client, ...where } = await bedrockClient(request.env, request.replayURL);
  const { fromBedrock } = await import('../providers/bedrock/index.ts');
  const source = fromBedrock(client, {
    modelId: request.model,
    messages: [{ role: 'user', content: [{ text: request.prompt }] }],
    ...(request.maxTokens === undefined ? {} : { inferenceConfig: { maxTokens: request.maxTokens } }),
  });
  return { source, ...where };
}

/** The first non-empty key among `vars`, or a usage error naming the variable to set. */
function requireKey(env: NodeJS.ProcessEnv, vars: readonly string[], provider: ProviderName, where: string): string {
  for (const name of vars) {
    const value = env[name];
    if (value) return value;
  }
  throw usageError(
    `--provider ${provider} needs an API key: set ${vars.join(' or ')} (export ${vars[0]}=...; keys at ${where}). ` +
      'Without a key, rxllm chat replays a recorded stream offline (--provider replay).',
  );
}

/** Imports an optional peer SDK, or explains how to install it. */
async function importSdk<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new CliError(`the ${name} package is not installed; it is an optional peer dependency of rxllm: npm install ${name}`);
    }
    throw err;
  }
}
