/**
 * `ChatRequest`: one provider-neutral request shape. Every provider adapter translates it to its
 * SDK's own params (`stream()`), reporting what it has no place for; the gateway reads an OpenAI
 * Chat Completions body into it; `toAssistantMessage` turns a finished `Snapshot` into its
 * assistant turn, so a conversation continues on any provider.
 *
 * The shape follows what the providers share (the OpenAI Chat Completions, Anthropic Messages,
 * Gemini `generateContent` and Bedrock Converse request references); anything one provider has
 * alone goes in `providerOptions`, passed through untouched.
 *
 * @module
 */

/** A piece of text. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * An image, by URL or inline as base64 with its media type (`image/png`, `image/jpeg`, …).
 * Providers that take only inline images (Bedrock) refuse a URL with an `UnsupportedRequestError`.
 */
export interface ImagePart {
  readonly type: 'image';
  /** `https:` or `data:` URL. */
  readonly url?: string;
  /** Base64 bytes (no `data:` prefix); needs `mediaType`. */
  readonly data?: string;
  /** The image's media type; required with `data`. */
  readonly mediaType?: string;
  /** OpenAI's `detail` (`auto`, `low`, `high`); other providers ignore it. */
  readonly detail?: 'auto' | 'low' | 'high';
}

/** A document (PDF, text) inline as base64 or by URL, where the provider takes files. */
export interface FilePart {
  readonly type: 'file';
  /** `application/pdf`, `text/plain`, … */
  readonly mediaType: string;
  /** Base64 bytes (no `data:` prefix). */
  readonly data?: string;
  /** A URL the provider fetches itself (Anthropic `url` documents, Gemini `fileData`). */
  readonly url?: string;
  readonly filename?: string;
}

/** What a user turn may hold. */
export type UserContentPart = TextPart | ImagePart | FilePart;

/**
 * A block of the model's thinking from an earlier turn, sent back so the provider can continue
 * it (Anthropic and Bedrock require the `signature`; Gemini takes it as `thoughtSignature`).
 * A redacted block carries the provider's opaque `data` instead of text.
 */
export type ReasoningPart =
  | { readonly type: 'reasoning'; readonly text: string; readonly signature?: string }
  | { readonly type: 'reasoning'; readonly redacted: true; readonly data: string };

/**
 * A tool call of an earlier assistant turn: its id (answered by the tool message with the same
 * `toolCallId`), the function name and the arguments as JSON text (`''` means `{}`).
 * `signature` is Gemini's `thoughtSignature` of the call's part, when the answer carried one.
 */
export interface ToolCallPart {
  readonly type: 'tool-call';
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
  readonly signature?: string;
}

/** What an assistant turn may hold, in the order the model produced it. */
export type AssistantContentPart = TextPart | ReasoningPart | ToolCallPart;

/** A user turn. A string is one text part. */
export interface UserMessage {
  readonly role: 'user';
  readonly content: string | readonly UserContentPart[];
}

/** An assistant turn (an earlier answer). A string is one text part. */
export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string | readonly AssistantContentPart[];
}

/**
 * A tool result, answering the assistant's call with id `toolCallId`. `toolName` is found from
 * the call when absent (Gemini pairs results by name). `isError` marks a failed call where the
 * provider has a flag for it (Anthropic `is_error`, Bedrock `status: 'error'`).
 */
export interface ToolMessage {
  readonly role: 'tool';
  readonly toolCallId: string;
  readonly toolName?: string;
  readonly content: string | readonly (TextPart | ImagePart)[];
  readonly isError?: boolean;
}

/** One turn of the conversation. */
export type ChatMessage = UserMessage | AssistantMessage | ToolMessage;

/** A function the model may call; `parameters` is its JSON Schema (absent: no parameters). */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** Whether and which tool the model must call: `auto`, `none`, `required` (some tool), or one by name. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** The shape of the answer: free text, any JSON object, or JSON matching a named JSON Schema. */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json' }
  | {
      readonly type: 'json-schema';
      readonly name: string;
      readonly schema: Readonly<Record<string, unknown>>;
      readonly description?: string;
      /** OpenAI's `strict` (default `true` in rxllm's translation). */
      readonly strict?: boolean;
    };

/**
 * How much the model may think: an `effort` (OpenAI `reasoning_effort`, Gemini `thinkingLevel`)
 * or a budget in tokens (Anthropic and Bedrock-Claude `thinking.budget_tokens`, Gemini
 * `thinkingBudget`). An adapter turns one into the other where its provider takes only one kind.
 */
export interface ReasoningConfig {
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Thinking tokens. */
  readonly budgetTokens?: number;
}

/** The provider-neutral request: what to send, whatever the provider. */
export interface ChatRequest {
  /** Instructions before the conversation (OpenAI `system` message, Anthropic/Bedrock `system`, Gemini `systemInstruction`). */
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  /** `false` asks for at most one tool call per answer (OpenAI `parallel_tool_calls`, Anthropic `disable_parallel_tool_use`). */
  readonly parallelToolCalls?: boolean;
  /** Output token limit, in tokens. */
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly reasoning?: ReasoningConfig;
  readonly responseFormat?: ResponseFormat;
  /**
   * Anything provider-specific, keyed by adapter name (`openai`, `anthropic`, `google`,
   * `bedrock`, …): merged into that provider's params as given, after the translation (so it
   * wins), and never sent to another provider.
   */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * A field of a {@link ChatRequest} that the provider has no place for, left out of the request
 * it gets. `param` names it in `ChatRequest` terms (`temperature`, `seed`, `parallelToolCalls`,
 * `messages[2].content[0]`); `reason` says why, in a sentence.
 */
export interface IgnoredParam {
  readonly param: string;
  readonly reason: string;
}

/** The parts of a message's content (a string is one text part). */
export function partsOf<P>(content: string | readonly P[]): readonly (P | TextPart)[] {
  return typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;
}
