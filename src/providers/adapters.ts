/**
 * The one provider table. The CLI, the gateway, the replay server and the conformance tests
 * iterate it; adding a provider is one folder under `src/providers/` and one line here.
 * @module
 */
import type { ProviderAdapter } from '../sources/provider-adapter.ts';
import { anthropicAdapter } from './anthropic/adapter.ts';
import { bedrockAdapter } from './bedrock/adapter.ts';
import { googleAdapter } from './google/adapter.ts';
import { openaiAdapter } from './openai/adapter.ts';
import { openaiResponsesAdapter } from './openai-responses/adapter.ts';
import { llamaCppAdapter } from './llama-cpp/adapter.ts';

/** Every provider rxllm ships, in `--help` order. */
export const adapters: readonly ProviderAdapter[] = [openaiAdapter, openaiResponsesAdapter, anthropicAdapter, googleAdapter, bedrockAdapter, llamaCppAdapter];

/** The adapter named `name` (`openai`, `anthropic`, …, or an alias such as `local`), or `undefined`. */
export function adapterNamed(name: string): ProviderAdapter | undefined {
  return adapters.find((adapter) => adapter.name === name || adapter.aliases?.includes(name) === true);
}

/** The adapter whose replay codec has `format` (`openai-chat`, `gemini`, …), or `undefined`. */
export function adapterOfFormat(format: string): ProviderAdapter | undefined {
  return adapters.find((adapter) => adapter.replay?.format === format);
}
