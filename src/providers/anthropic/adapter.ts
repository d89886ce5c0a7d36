/**
 * The Anthropic Messages API adapter.
 * @module
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import { importSdk, lazySource, requireKey } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import type { AnthropicMessageParams } from './from-anthropic.ts';
import { anthropicReplay } from './replay.ts';
import { toAnthropicParams } from './to-params.ts';

/**
 * Anthropic Messages: `fromAnthropic` over `@anthropic-ai/sdk`. The client reads
 * `ANTHROPIC_API_KEY` (the SDK reads `ANTHROPIC_BASE_URL` itself).
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropicAdapter: ProviderAdapter<Anthropic, AnthropicMessageParams> = {
  name: 'anthropic',
  description: 'Anthropic Messages API (Claude)',
  sdkPackage: '@anthropic-ai/sdk',
  defaultModel: 'claude-sonnet-4-6',
  assistantPrefill: true,
  environment: { keys: ['ANTHROPIC_API_KEY'], endpoint: 'ANTHROPIC_BASE_URL', keyHelp: 'https://console.anthropic.com/settings/keys' },
  async createClient(config) {
    const apiKey = config.baseURL !== undefined ? (config.env.ANTHROPIC_API_KEY || 'replay') : requireKey(config.env, 'anthropic', this.environment);
    const { default: AnthropicSdk } = await importSdk('anthropic', '@anthropic-ai/sdk', () => import('@anthropic-ai/sdk'));
    const client = new AnthropicSdk({
      apiKey,
      ...(config.baseURL === undefined ? {} : { baseURL: config.baseURL }),
      ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }),
    });
    return { client, endpoint: client.baseURL };
  },
  toParams: toAnthropicParams,
  source: (client, params, options) => lazySource(() => import('./from-anthropic.ts'), (m) => m.fromAnthropic(client, params, options)),
  replay: anthropicReplay,
};
