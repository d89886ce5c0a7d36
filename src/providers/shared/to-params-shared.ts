/**
 * What the translations to Anthropic, Gemini and Bedrock share: text-only content, tool call
 * arguments as JSON objects, and turns grouped by speaker. Pure.
 * @internal
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolCallPart } from '../../gateway/parse-chat-request.ts';
import { InvalidRequestError, invalidValue } from '../../gateway/invalid-request.ts';

/** Who speaks a group of turns in the providers' two-role formats: tool results count as the user's. */
export type Speaker = 'user' | 'assistant';

/** Consecutive turns of one speaker (the providers want one message per turn of the conversation). */
export interface TurnGroup {
  readonly speaker: Speaker;
  readonly turns: readonly ChatMessage[];
}

/**
 * The request's turns grouped by speaker: a user message and the tool results around it are one
 * user turn, consecutive assistant messages one assistant turn. Bedrock requires the roles to
 * alternate; Anthropic merges consecutive turns of one role itself; Gemini wants the responses to
 * parallel calls together.
 */
export function groupTurns(messages: readonly ChatMessage[]): TurnGroup[] {
  const groups: { speaker: Speaker; turns: ChatMessage[] }[] = [];
  for (const message of messages) {
    const speaker: Speaker = message.role === 'assistant' ? 'assistant' : 'user';
    const last = groups.at(-1);
    if (last !== undefined && last.speaker === speaker) last.turns.push(message);
    else groups.push({ speaker, turns: [message] });
  }
  return groups;
}

/**
 * The texts of a message's parts, empty ones dropped (the providers refuse empty text blocks).
 * @throws InvalidRequestError for a part that is not text (`image_url`, `input_audio`, `file`).
 */
export function texts(parts: readonly ContentPart[], at: number, provider: string): string[] {
  const out: string[] = [];
  parts.forEach((part, j) => {
    if (part.type === 'text') {
      if (part.text !== '') out.push(part.text);
      return;
    }
    throw invalidValue(
      `messages[${at}].content[${j}].type`,
      `'${part.partType}' content parts are not translated to ${provider}; rxllm serve sends text parts to ${provider} (serve OpenAI for other parts).`,
    );
  });
  return out;
}

/**
 * A tool call's `arguments` as the JSON object the providers want (`''` → `{}`).
 * @throws InvalidRequestError when the text is not a JSON object.
 */
export function argumentsOf(call: ToolCallPart, at: number, j: number): Record<string, unknown> {
  const param = `messages[${at}].tool_calls[${j}].function.arguments`;
  if (call.arguments.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(call.arguments);
  } catch (error) {
    throw invalidValue(param, `the arguments are not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidValue(param, 'the arguments must be a JSON object.');
  return value as Record<string, unknown>;
}

/**
 * Refuses what no translation carries to `provider`: tools that are not functions.
 * @throws InvalidRequestError naming `tools`.
 */
export function checkToolKinds(request: ChatRequest, provider: string): void {
  const kind = request.otherTools[0];
  if (kind !== undefined) {
    throw new InvalidRequestError(`Tools of type '${kind}' are not translated to ${provider}; rxllm serve sends function tools to ${provider}.`, {
      param: 'tools',
      code: 'invalid_value',
    });
  }
}

/** The JSON Schema of a tool without parameters: an object with no properties. */
export const EMPTY_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({ type: 'object', properties: {} });
