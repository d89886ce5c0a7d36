/**
 * `rxllm/bedrock`: AWS Bedrock Runtime's Converse and ConverseStream operations as a cold
 * `Observable<Delta>`. Needs the optional peer dependency `@aws-sdk/client-bedrock-runtime` (v3).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @module
 */
export { fromBedrock } from './from-bedrock.ts';
export type { FromBedrockOptions } from './from-bedrock.ts';
export { mapBedrockStopReason } from './finish-reason.ts';
export { bedrockAdapter } from './adapter.ts';
export { isBedrockStreamingUnsupported } from './errors.ts';
export { toBedrockInput } from './to-params.ts';
export type * from './wire.ts';
