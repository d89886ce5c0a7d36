/**
 * `rxllm/llama-cpp`: local GGUF models run in-process by node-llama-cpp (an optional peer
 * dependency) as a cold `Observable<Delta>`, the model loading and file checks, and the pure
 * mapping (request → chat history, callbacks → deltas).
 * @module
 */
export { fromLlamaCpp, fromLlamaChatSession } from './from-llama-cpp.ts';
export type { FromLlamaChatSessionOptions, FromLlamaCppOptions } from './from-llama-cpp.ts';
export { checkModelFile, defaultThreads, disposeLlamaCppModels, importNodeLlamaCpp, loadLlamaCppModel } from './load-model.ts';
export type { LlamaCppGpu, LoadLlamaCppModelOptions } from './load-model.ts';
export { toLlamaChatHistory, toLlamaFunctions } from './to-chat-history.ts';
export type { LlamaCppMessage, LlamaCppRequest, LlamaCppTool } from './to-chat-history.ts';
export { LlamaCppResponseMapper } from './decode-stream.ts';
export { mapLlamaCppStopReason } from './finish-reason.ts';
export { LlamaCppModelError, mapLlamaCppError } from './errors.ts';
export type { LlamaCppModelErrorCode } from './errors.ts';
export type * from './wire.ts';
export type { DeltaSink } from '../../core/delta.ts';
export { llamaCppAdapter } from './adapter.ts';
export type { LlamaCppClient } from './adapter.ts';
export { toLlamaCppParams } from './to-params.ts';
export type { LlamaCppParams } from './to-params.ts';
