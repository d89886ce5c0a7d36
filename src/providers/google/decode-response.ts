/**
 * A non-streaming Gemini response (`generateContent`) → the deltas its stream would have given.
 * @module
 */
import type { DeltaSink } from '../../core/delta.ts';
import { GeminiChunkMapper, type GeminiMappingOptions } from './decode-stream.ts';
import type { GeminiResponseWire } from './wire.ts';

/**
 * Maps a whole `GenerateContentResponse` (`stream: false`): it has the shape of one chunk, so
 * it is mapped as a one-chunk stream; a response without a `finishReason` ends with finish
 * `other`.
 */
export function mapGeminiResponse(response: GeminiResponseWire, out: DeltaSink, options?: GeminiMappingOptions): void {
  const mapper = new GeminiChunkMapper(out, options);
  mapper.map(response);
  mapper.end();
}
