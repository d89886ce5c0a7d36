/**
 * rxllm: every LLM provider's streaming API as a cold `Observable<Delta>`, and the operators
 * real applications need on those streams. Provider sources live in their own subpaths
 * (`rxllm/openai`, `rxllm/anthropic`, `rxllm/google`, `rxllm/bedrock`); SSE in `rxllm/sse`;
 * Node bridges in `rxllm/node`; marble-test helpers in `rxllm/testing`.
 * @module
 */
export type {
  Delta,
  DeltaType,
  FinishDelta,
  FinishReason,
  MetadataDelta,
  ReasoningDelta,
  Snapshot,
  TextDelta,
  ToolCallArgsDelta,
  ToolCallEndDelta,
  ToolCallSnapshot,
  ToolCallStartDelta,
  Usage,
  UsageDelta,
} from './delta.ts';
export { isContentDelta } from './delta.ts';
export {
  BufferOverflowError,
  IdleTimeoutError,
  MalformedChunkError,
  ProviderError,
  RxllmError,
  StreamingUnsupportedError,
  StreamTruncatedError,
} from './errors.ts';
export type { IdleTimeoutErrorOptions, ProviderErrorOptions, RxllmErrorOptions } from './errors.ts';

// operators
export { accumulate } from './operators/accumulate.ts';
