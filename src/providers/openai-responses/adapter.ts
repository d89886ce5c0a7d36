/**
 * The OpenAI Responses API adapter.
 * @module
 */
import type OpenAI from 'openai';
import { lazySource } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import { openaiAdapter } from '../openai/adapter.ts';
import { isOpenAIStreamingUnsupported } from '../openai/stream-errors.ts';
import type { OpenAIResponsesParams } from './from-openai-responses.ts';
import { openAIResponsesReplay } from './replay.ts';
import { toResponsesParams } from './to-params.ts';

/**
 * OpenAI Responses: `fromOpenAIResponses` over the `openai` SDK; the same client and keys as
 * {@link openaiAdapter}.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export const openaiResponsesAdapter: ProviderAdapter<OpenAI, OpenAIResponsesParams> = {
  name: 'openai-responses',
  description: 'OpenAI Responses API',
  sdkPackage: 'openai',
  defaultModel: 'gpt-4.1-mini',
  environment: openaiAdapter.environment,
  createClient: (config) => openaiAdapter.createClient({ ...config, env: { ...config.env, OPENAI_BASE_URL: undefined } }),
  toParams: toResponsesParams,
  source: (client, params, options) => lazySource(() => import('./from-openai-responses.ts'), (m) => m.fromOpenAIResponses(client, params, options)),
  replay: openAIResponsesReplay,
  // the Responses API answers with the same error objects as Chat Completions
  isStreamingUnsupported: isOpenAIStreamingUnsupported,
};
