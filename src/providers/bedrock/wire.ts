/**
 * The Bedrock Runtime Converse / ConverseStream wire as rxllm reads it: a limited version of the
 * SDK's types (`ConverseStreamOutput`, `ConverseCommandOutput`), focused on the fields the
 * decoders read, so the decoders need no SDK import. The SDK's own values are assignable to them.
 *
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @module
 */

/** Bedrock's `TokenUsage` (counts in tokens). */
export interface BedrockUsageWire {
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  readonly cacheReadInputTokens?: number | undefined;
  readonly cacheWriteInputTokens?: number | undefined;
  readonly totalTokens?: number | undefined;
}

/** Redacted reasoning: bytes from the SDK, base64 text in a recorded JSON event. */
export type BedrockBytes = Uint8Array | string;

/** A `contentBlockDelta.delta.reasoningContent`. */
export interface BedrockReasoningDeltaWire {
  readonly text?: string | undefined;
  readonly signature?: string | undefined;
  readonly redactedContent?: BedrockBytes | undefined;
}

/** A `contentBlockDelta` event. */
export interface BedrockBlockDeltaWire {
  readonly contentBlockIndex?: number | undefined;
  readonly delta?:
    | {
        readonly text?: string | undefined;
        readonly toolUse?: { readonly input?: string | undefined } | undefined;
        readonly reasoningContent?: BedrockReasoningDeltaWire | undefined;
      }
    | undefined;
}

/** A `contentBlockStart` event. */
export interface BedrockBlockStartWire {
  readonly contentBlockIndex?: number | undefined;
  readonly start?: { readonly toolUse?: { readonly toolUseId?: string | undefined; readonly name?: string | undefined } | undefined } | undefined;
}

/** An exception member's value. */
export interface BedrockExceptionWire {
  readonly message?: string | undefined;
  readonly originalStatusCode?: number | undefined;
}

/** One ConverseStream event: a union value with one member set. */
export interface BedrockStreamEventWire {
  readonly messageStart?: unknown;
  readonly contentBlockStart?: BedrockBlockStartWire | undefined;
  readonly contentBlockDelta?: BedrockBlockDeltaWire | undefined;
  readonly contentBlockStop?: { readonly contentBlockIndex?: number | undefined } | undefined;
  readonly messageStop?: { readonly stopReason?: string | undefined } | undefined;
  readonly metadata?: { readonly usage?: BedrockUsageWire | undefined } | undefined;
  readonly internalServerException?: BedrockExceptionWire | undefined;
  readonly modelStreamErrorException?: BedrockExceptionWire | undefined;
  readonly validationException?: BedrockExceptionWire | undefined;
  readonly throttlingException?: BedrockExceptionWire | undefined;
  readonly serviceUnavailableException?: BedrockExceptionWire | undefined;
}

/** One content block of a Converse response's message. */
export interface BedrockContentBlockWire {
  readonly text?: string | undefined;
  readonly reasoningContent?:
    | {
        readonly reasoningText?: { readonly text?: string | undefined; readonly signature?: string | undefined } | undefined;
        readonly redactedContent?: BedrockBytes | undefined;
      }
    | undefined;
  readonly toolUse?: { readonly toolUseId?: string | undefined; readonly name?: string | undefined; readonly input?: unknown } | undefined;
}

/** A Converse (non-streaming) response. */
export interface BedrockConverseOutputWire {
  readonly output?: { readonly message?: { readonly content?: readonly BedrockContentBlockWire[] | undefined } | undefined } | undefined;
  readonly stopReason?: string | undefined;
  readonly usage?: BedrockUsageWire | undefined;
}
