/**
 * `rxllm/internal`: the pure wire decoders of every provider (one wire event or one whole
 * response in, deltas out through a `DeltaSink`) and the `DeltaWriter` they share, for replaying
 * recorded streams and for building a source of your own. Not covered by semver: the provider
 * subpaths (`rxllm/openai`, …) are the stable surface. The provider subpaths still re-export the
 * mapper names they exported before this subpath existed.
 * @module
 */
export { DeltaWriter, MAX_WIRE_INDEX } from '../core/delta-writer.ts';
export { ChatStreamMapper } from '../providers/openai/decode-stream.ts';
export { mapChatCompletion } from '../providers/openai/decode-response.ts';
export { ResponsesStreamMapper } from '../providers/openai-responses/decode-stream.ts';
export { mapResponsesResponse } from '../providers/openai-responses/decode-response.ts';
export { AnthropicEventMapper } from '../providers/anthropic/decode-stream.ts';
export { mapAnthropicMessage } from '../providers/anthropic/decode-response.ts';
export { GeminiChunkMapper } from '../providers/google/decode-stream.ts';
export { mapGeminiResponse } from '../providers/google/decode-response.ts';
export { ConverseStreamMapper } from '../providers/bedrock/decode-stream.ts';
export { mapConverseOutput } from '../providers/bedrock/decode-response.ts';
export { LlamaCppResponseMapper } from '../providers/llama-cpp/decode-stream.ts';
export type { DeltaSink } from '../core/delta.ts';
