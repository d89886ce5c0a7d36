/**
 * The replay codecs of the providers that have a wire to replay, apart from the adapter list so
 * browser-safe code (`rxllm/testing`) can decode recordings without loading any adapter (an
 * adapter may reach Node-only code, such as the local-model adapter). Each adapter in
 * `adapters.ts` carries the same codec as its `replay`.
 * @module
 */
import type { ReplayCodec } from '../sources/provider-adapter.ts';
import { anthropicReplay } from './anthropic/replay.ts';
import { bedrockReplay } from './bedrock/replay.ts';
import { geminiReplay } from './google/replay.ts';
import { openAIChatReplay } from './openai/replay.ts';
import { openAIResponsesReplay } from './openai-responses/replay.ts';

/** Every provider wire rxllm replays and decodes from recordings. */
export const replayCodecs: readonly ReplayCodec[] = [openAIChatReplay, openAIResponsesReplay, anthropicReplay, geminiReplay, bedrockReplay];
