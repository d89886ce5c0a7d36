/**
 * `rxllm/google`: the Gemini API (`@google/genai`, `models.generateContentStream`) as a cold
 * `Observable<Delta>`, and its pure chunk mapping (for replaying recorded chunks).
 * @module
 */
export { fromGoogle } from './from-google.ts';
export type { FromGoogleOptions } from './from-google.ts';
export { GeminiChunkMapper } from './decode-stream.ts';
export type { GeminiMappingOptions } from './decode-stream.ts';
export { mapGeminiFinishReason } from './finish-reason.ts';
export { geminiUsage } from './usage.ts';
export type { GeminiUsageLike } from './wire.ts';
export type { DeltaSink } from '../../core/delta.ts';
export { googleAdapter } from './adapter.ts';
export { toGoogleParams } from './to-params.ts';
export type * from './wire.ts';
