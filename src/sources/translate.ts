/**
 * What every adapter's `toParams` shares: turns grouped by speaker, tool-call arguments as JSON
 * objects, inline data from `data:` URLs, the reasoning effort/budget conversion, the ignored
 * list, and `providerOptions` merged last. Pure. @internal
 * @module
 */
import type {
  ChatMessage,
  ChatRequest,
  IgnoredParam,
  ImagePart,
  ReasoningConfig,
  ToolCallPart,
} from '../core/chat-request.ts';
import { UnsupportedRequestError } from '../core/errors.ts';

/** Who speaks a group of turns in the two-role formats: tool results count as the user's. */
export type Speaker = 'user' | 'assistant';

/** One message with its position in `ChatRequest.messages` (for `param` paths). */
export interface Turn {
  readonly message: ChatMessage;
  readonly at: number;
}

/** Consecutive turns of one speaker. */
export interface TurnGroup {
  readonly speaker: Speaker;
  readonly turns: readonly Turn[];
}

/**
 * The turns grouped by speaker: a user message and the tool results around it are one user
 * turn, consecutive assistant messages one assistant turn. Bedrock requires the roles to
 * alternate; Anthropic merges consecutive turns of one role itself; Gemini wants the responses to
 * parallel calls together.
 */
export function groupTurns(messages: readonly ChatMessage[]): TurnGroup[] {
  const groups: { speaker: Speaker; turns: Turn[] }[] = [];
  messages.forEach((message, at) => {
    const speaker: Speaker = message.role === 'assistant' ? 'assistant' : 'user';
    const last = groups.at(-1);
    if (last !== undefined && last.speaker === speaker) last.turns.push({ message, at });
    else groups.push({ speaker, turns: [{ message, at }] });
  });
  return groups;
}

/** Collects the fields a translation leaves out. */
export class IgnoredList {
  readonly items: IgnoredParam[] = [];

  add(param: string, reason: string): void {
    this.items.push({ param, reason });
  }

  /** Reports each of `fields` that the request sets and the provider has no place for. */
  fields(request: ChatRequest, provider: string, fields: readonly (keyof ChatRequest)[]): void {
    for (const field of fields) if (request[field] !== undefined) this.add(field, `${provider} has no request field for it`);
  }
}

/**
 * A tool call's `arguments` as the JSON object the providers want (`''` → `{}`).
 * @throws UnsupportedRequestError when the text is not a JSON object.
 */
export function argumentsOf(call: ToolCallPart, param: string, provider: string): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(call.arguments);
  } catch (error) {
    throw unsupported(provider, `${param}.arguments`, `the tool call's arguments are not valid JSON (${(error as Error).message}); ${provider} takes them as a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unsupported(provider, `${param}.arguments`, `the tool call's arguments must be a JSON object for ${provider}`);
  }
  return value as Record<string, unknown>;
}

/** An {@link UnsupportedRequestError}: `what` is why, without a final full stop. */
export function unsupported(provider: string, param: string, what: string): UnsupportedRequestError {
  return new UnsupportedRequestError(`Cannot send the request to ${provider}: ${what} (${param}). Change the request or send it to another provider.`, {
    provider,
    param,
  });
}

/** Inline bytes of an image or file: its `data` and `mediaType`, or parsed from a `data:` URL; `undefined` for an `https:` URL. */
export function inlineData(part: { readonly url?: string; readonly data?: string; readonly mediaType?: string }): { data: string; mediaType: string | undefined } | undefined {
  if (part.data !== undefined) return { data: part.data, mediaType: part.mediaType };
  const match = part.url === undefined ? null : /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/s.exec(part.url);
  if (match === null) return undefined;
  return { data: match[2]!, mediaType: match[1] || part.mediaType };
}

/** An image's URL for providers that take URLs (OpenAI): the URL, or a `data:` URL of the bytes. */
export function imageURL(part: ImagePart): string | undefined {
  if (part.url !== undefined) return part.url;
  if (part.data !== undefined) return `data:${part.mediaType ?? 'image/png'};base64,${part.data}`;
  return undefined;
}

/** Thinking budget of each effort, in tokens, for providers that take only a budget (Anthropic, Bedrock-Claude, Gemini 2.5). */
export const EFFORT_BUDGET_TOKENS: Readonly<Record<NonNullable<ReasoningConfig['effort']>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** The thinking budget of `reasoning`: its `budgetTokens`, else its effort's ({@link EFFORT_BUDGET_TOKENS}). */
export function budgetOf(reasoning: ReasoningConfig): number | undefined {
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens;
  return reasoning.effort === undefined ? undefined : EFFORT_BUDGET_TOKENS[reasoning.effort];
}

/** The effort of `reasoning`: its `effort`, else the smallest effort whose budget covers `budgetTokens`. */
export function effortOf(reasoning: ReasoningConfig): NonNullable<ReasoningConfig['effort']> | undefined {
  if (reasoning.effort !== undefined) return reasoning.effort;
  const budget = reasoning.budgetTokens;
  if (budget === undefined) return undefined;
  if (budget <= EFFORT_BUDGET_TOKENS.minimal) return 'minimal';
  if (budget <= EFFORT_BUDGET_TOKENS.low) return 'low';
  if (budget <= EFFORT_BUDGET_TOKENS.medium) return 'medium';
  return 'high';
}

/** `params` with the request's `providerOptions[provider]` merged over it (they win). */
export function withProviderOptions<P extends object>(params: P, request: ChatRequest, provider: string): P {
  const extra = request.providerOptions?.[provider];
  return extra === undefined ? params : ({ ...params, ...extra } as P);
}

/** The JSON Schema of a tool without parameters: an object with no properties. */
export const EMPTY_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({ type: 'object', properties: {} });

/** The text of string content or of its text parts, joined; other parts are reported through `onOther`. */
export function joinedText(content: string | readonly { readonly type: string; readonly text?: string }[], onOther?: (index: number) => void): string {
  if (typeof content === 'string') return content;
  let text = '';
  content.forEach((part, index) => {
    if (part.type === 'text') text += part.text ?? '';
    else onOther?.(index);
  });
  return text;
}
