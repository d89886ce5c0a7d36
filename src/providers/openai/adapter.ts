/**
 * The OpenAI Chat Completions adapter (also OpenAI-compatible servers through `OPENAI_BASE_URL`:
 * Groq, DeepSeek, Ollama, vLLM, OpenRouter, …).
 * @module
 */
import type OpenAI from 'openai';
import { importSdk, lazySource, requireKey } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import type { OpenAIChatParams } from './from-openai.ts';
import { openAIChatReplay } from './replay.ts';
import { isOpenAIStreamingUnsupported } from './stream-errors.ts';
import { toOpenAIParams } from './to-params.ts';

/** Clients built for an OpenAI-compatible server (`OPENAI_BASE_URL`): they get `max_tokens`, which those servers know, for `max_completion_tokens`. */
const compatibleClients = new WeakSet<object>();

/**
 * OpenAI Chat Completions: `fromOpenAI` over the `openai` SDK. The client reads `OPENAI_API_KEY`
 * and `OPENAI_BASE_URL` (an OpenAI-compatible server). A streaming request always asks for
 * `stream_options.include_usage` unless the params say otherwise, so `usage` deltas arrive.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const openaiAdapter: ProviderAdapter<OpenAI, OpenAIChatParams> = {
  name: 'openai',
  description: 'OpenAI Chat Completions, or any OpenAI-compatible server (OPENAI_BASE_URL)',
  sdkPackage: 'openai',
  defaultModel: 'gpt-4.1-mini',
  environment: { keys: ['OPENAI_API_KEY'], endpoint: 'OPENAI_BASE_URL', keyHelp: 'https://platform.openai.com/api-keys' },
  async createClient(config) {
    const custom = config.baseURL === undefined ? config.env.OPENAI_BASE_URL || undefined : undefined;
    const apiKey = config.baseURL !== undefined ? (config.env.OPENAI_API_KEY || 'replay') : requireKey(config.env, 'openai', this.environment);
    const { default: OpenAISdk } = await importSdk('openai', 'openai', () => import('openai'));
    const baseURL = config.baseURL !== undefined ? `${config.baseURL}/v1` : (custom ?? 'https://api.openai.com/v1');
    const client = new OpenAISdk({ apiKey, baseURL, ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }) });
    if (custom !== undefined) compatibleClients.add(client);
    return { client, endpoint: baseURL };
  },
  toParams: toOpenAIParams,
  paramsFromChatCompletionsBody(body, model) {
    // `stream` and `stream_options` are the source's to set; `n` > 1 is refused by the gateway;
    // log probabilities are not carried by rxllm's deltas, so they are not asked for
    const { stream: _stream, stream_options: _options, n: _n, logprobs, top_logprobs, ...rest } = body;
    const ignored = [
      ...(logprobs === undefined || logprobs === null ? [] : [{ param: 'logprobs', reason: 'rxllm deltas do not carry log probabilities' }]),
      ...(top_logprobs === undefined || top_logprobs === null ? [] : [{ param: 'top_logprobs', reason: 'rxllm deltas do not carry log probabilities' }]),
    ];
    return { params: { ...rest, model } as unknown as OpenAIChatParams, ignored };
  },
  source(client, params, options = {}) {
    let sent = params;
    if (options.stream !== false && sent.stream_options === undefined) sent = { ...sent, stream_options: { include_usage: true } };
    if (compatibleClients.has(client) && sent.max_completion_tokens != null && sent.max_tokens == null) {
      const { max_completion_tokens, ...rest } = sent;
      sent = { ...rest, max_tokens: max_completion_tokens };
    }
    return lazySource(() => import('./from-openai.ts'), (m) => m.fromOpenAI(client, sent, options));
  },
  replay: openAIChatReplay,
  isStreamingUnsupported: isOpenAIStreamingUnsupported,
};
