/**
 * The Gemini API wire as rxllm reads it (`GenerateContentResponse`, streamed or whole): a limited
 * version of the schema, focused on the fields the decoders read. No `any`.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 * @module
 */

/** rxllm's provider name for the Gemini API. */
export const GOOGLE_PROVIDER = 'google';

/** The `usageMetadata` fields rxllm maps. */
export interface GeminiUsageLike {
  readonly promptTokenCount?: number;
  readonly toolUsePromptTokenCount?: number;
  readonly cachedContentTokenCount?: number;
  readonly candidatesTokenCount?: number;
  readonly thoughtsTokenCount?: number;
}

/** One piece of a function call's arguments streamed by Vertex AI (`streamFunctionCallArguments`). */
export interface GeminiPartialArgWire {
  /** RFC 9535 JSON path of the argument, e.g. `$.location` or `$.items[0].name`. */
  readonly jsonPath?: string;
  readonly stringValue?: string;
  readonly numberValue?: number;
  readonly boolValue?: boolean;
  readonly nullValue?: string;
  /** True when more pieces of the same path follow (a long string value in pieces). */
  readonly willContinue?: boolean;
}

/** A `functionCall` part's call. */
export interface GeminiFunctionCallWire {
  readonly id?: string;
  readonly name?: string;
  readonly args?: unknown;
  /** Vertex AI only: the arguments in pieces. */
  readonly partialArgs?: readonly GeminiPartialArgWire[];
  /** Vertex AI only: true when more parts of this function call follow. */
  readonly willContinue?: boolean;
}

/** One part of a candidate's content. */
export interface GeminiPartWire {
  readonly text?: string;
  readonly thought?: boolean;
  readonly thoughtSignature?: string;
  readonly functionCall?: GeminiFunctionCallWire;
}

/** One candidate. */
export interface GeminiCandidateWire {
  readonly content?: { readonly parts?: readonly GeminiPartWire[] } | null;
  readonly finishReason?: string;
}

/** One streamed chunk, or the whole non-streaming response. */
export interface GeminiResponseWire {
  readonly responseId?: string;
  readonly modelVersion?: string;
  readonly candidates?: readonly GeminiCandidateWire[];
  readonly usageMetadata?: GeminiUsageLike;
  readonly promptFeedback?: { readonly blockReason?: string };
  /** An error chunk (`{ "error": {…} }`). */
  readonly error?: unknown;
}
