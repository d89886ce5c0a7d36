/**
 * rxllm: every LLM provider's streaming API as a cold `Observable<Delta>`, and the operators
 * real applications need on those streams. Provider sources live in their own subpaths
 * (`rxllm/openai`, `rxllm/anthropic`, `rxllm/google`, `rxllm/bedrock`, `rxllm/llama-cpp`); SSE in `rxllm/sse`;
 * Node bridges in `rxllm/node`; marble-test helpers in `rxllm/testing`.
 * @module
 */
export type {
  Delta,
  DeltaSink,
  DeltaType,
  FinishDelta,
  FinishReason,
  MetadataDelta,
  ReasoningDelta,
  RefusalDelta,
  ResetDelta,
  Snapshot,
  TextDelta,
  TokenLogprob,
  ToolCallArgsDelta,
  ToolCallEndDelta,
  ToolCallSnapshot,
  ToolCallStartDelta,
  Usage,
  UsageDelta,
} from './core/delta.ts';
export { isContentDelta } from './core/delta.ts';
export {
  BufferOverflowError,
  IdleTimeoutError,
  LifecycleHookError,
  MalformedChunkError,
  ProviderError,
  RxllmError,
  StreamingUnsupportedError,
  StreamTruncatedError,
} from './core/errors.ts';
export type { IdleTimeoutErrorOptions, LifecycleHookName, ProviderErrorOptions, RxllmErrorOptions, StreamingUnsupportedErrorOptions } from './core/errors.ts';
export { ProviderSetupError, UnsupportedRequestError } from './core/errors.ts';

// one request shape for every provider
export type {
  AssistantContentPart,
  AssistantMessage,
  ChatMessage,
  ChatRequest,
  FilePart,
  IgnoredParam,
  ImagePart,
  ReasoningConfig,
  ReasoningPart,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  UserContentPart,
  UserMessage,
} from './core/chat-request.ts';
export { toAssistantMessage } from './core/to-assistant-message.ts';
export { stream } from './sources/stream.ts';
export { streamObject } from './sources/streamObject.ts';
export type { StreamObjectOptions } from './sources/streamObject.ts';
export type { ChatStream, StreamTarget } from './sources/stream.ts';
export type {
  ClientConfig,
  ProviderAdapter,
  ProviderClient,
  ProviderEnvironment,
  ReplayCodec,
  ReplayEvent,
  SourceOptions,
  Translation,
} from './sources/provider-adapter.ts';
export { JsonParseError, SchemaValidationError } from './json/errors.ts';
export type { JsonParseErrorOptions, SchemaValidationErrorOptions, ToolCallRef } from './json/errors.ts';

// stream interop (Web Streams, async iteration)
export { toReadableStream } from './interop/toReadableStream.ts';
export { toAsyncIterable } from './interop/toAsyncIterable.ts';
export { fromAsyncIterable } from './interop/fromAsyncIterable.ts';
export { DEFAULT_HIGH_WATER_MARK } from './interop/backlog.ts';
export type { BridgeOptions, OverflowPolicy } from './interop/backlog.ts';

// operators
export { accumulate } from './operators/accumulate.ts';
export { bufferTokens } from './operators/bufferTokens.ts';
export type { BufferTokensConfig, TokenBoundary } from './operators/bufferTokens.ts';
export { splitReasoning } from './operators/splitReasoning.ts';
export type { SplitReasoningConfig } from './operators/splitReasoning.ts';
export { toolCalls } from './operators/toolCalls.ts';
export type { CompletedToolCall } from './operators/toolCalls.ts';
export { tapLifecycle } from './operators/tapLifecycle.ts';
export type { LifecycleEnd, LifecycleHooks } from './operators/tapLifecycle.ts';
export { timeoutIdle } from './operators/timeoutIdle.ts';
export type { TimeoutIdleConfig } from './operators/timeoutIdle.ts';
export { fallbackToNonStreaming } from './operators/fallbackToNonStreaming.ts';
export type { FallbackToNonStreamingConfig } from './operators/fallbackToNonStreaming.ts';
export { isStreamingUnsupported } from './core/streaming-unsupported.ts';
export { retryBeforeFirstDelta } from './operators/retryBeforeFirstDelta.ts';
export type { RetryBeforeFirstDeltaConfig } from './operators/retryBeforeFirstDelta.ts';
export { raceFirstDelta } from './operators/raceFirstDelta.ts';
export type { RaceFirstDeltaConfig } from './operators/raceFirstDelta.ts';
export { partialJson } from './operators/partialJson.ts';
export type { DeepPartial, PartialJson, PartialJsonOptions } from './operators/partialJson.ts';
export { jsonPatches } from './operators/jsonPatches.ts';
export type { JsonPatchesOptions, JsonPatchOperation } from './operators/jsonPatches.ts';
export { toolCallArgs } from './operators/toolCallArgs.ts';
export type { PartialToolCall, ToolCallArgsOptions, ToolCallArgsState } from './operators/toolCallArgs.ts';

// recovery after content, cross-provider fallback and hedging, sharing
export { RecoveryFailedError } from './core/recovery-failed-error.ts';
export type { RecoveryFailedErrorOptions } from './core/recovery-failed-error.ts';
export type { RecoveryMode } from './core/recover.ts';
export { retryStream } from './operators/retryStream.ts';
export type { RetryStreamConfig } from './operators/retryStream.ts';
export { continueFrom, CONTINUE_PROMPT } from './sources/continue-from.ts';
export type { ContinueFromOptions } from './sources/continue-from.ts';
export { fallbackTo } from './operators/fallbackTo.ts';
export type { FallbackToConfig } from './operators/fallbackTo.ts';
export { hedge } from './operators/hedge.ts';
export type { HedgeOptions } from './operators/hedge.ts';
export { shareSnapshot } from './operators/shareSnapshot.ts';
export type { ShareSnapshotConfig } from './operators/shareSnapshot.ts';
export { tapTelemetry } from './operators/tapTelemetry.ts';
export type { TapTelemetryConfig } from './operators/tapTelemetry.ts';
