/**
 * `rxllm/anthropic`: the Anthropic Messages API (`@anthropic-ai/sdk`) as a cold `Observable<Delta>`,
 * and its pure wire mapping (for replaying recorded events).
 * @module
 */
export { fromAnthropic } from './from-anthropic.ts';
export type { AnthropicMessageParams, AnthropicRequestOptions, FromAnthropicOptions } from './from-anthropic.ts';
export { AnthropicEventMapper } from './decode-stream.ts';
export { mapAnthropicMessage } from './decode-response.ts';
export { mapAnthropicStopReason } from './finish-reason.ts';
export { anthropicUsage } from './usage.ts';
export type { AnthropicUsageLike } from './wire.ts';
export type { DeltaSink } from '../../core/delta.ts';
export { anthropicAdapter } from './adapter.ts';
export { toAnthropicParams } from './to-params.ts';
export type * from './wire.ts';
