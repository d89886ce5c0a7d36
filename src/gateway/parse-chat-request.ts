/**
 * Reads an OpenAI Chat Completions request body into a checked, provider-neutral
 * {@link ChatRequest}, which the `translate-*` modules turn into each provider's request. Pure.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @internal
 */
import { InvalidRequestError, invalidType, invalidValue, missing, typeName } from './invalid-request.ts';

/** One part of a message's content: text, or another kind (image, audio, file) kept by type name. */
export type ContentPart = { readonly type: 'text'; readonly text: string } | { readonly type: 'other'; readonly partType: string };

/** A tool call of an earlier assistant turn. `arguments` is the JSON text as the client sent it. */
export interface ToolCallPart {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** A user, assistant or tool turn. `at` is the message's position in the body's `messages`, for error params. */
export type ChatMessage =
  | { readonly role: 'user'; readonly at: number; readonly content: readonly ContentPart[] }
  | { readonly role: 'assistant'; readonly at: number; readonly content: readonly ContentPart[]; readonly toolCalls: readonly ToolCallPart[] }
  | { readonly role: 'tool'; readonly at: number; readonly toolCallId: string; readonly content: string };

/** A function tool the model may call; `parameters` is its JSON Schema (absent: no parameters). */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: Record<string, unknown>;
}

/** `tool_choice`: `auto`, `none`, `required` (some tool), or one named function. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A Chat Completions request, checked, in the terms every translation shares. */
export interface ChatRequest {
  readonly model: string;
  /** The client asked for server-sent events (`stream: true`). */
  readonly stream: boolean;
  /** `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  /** The text of every `system` and `developer` message, in order. */
  readonly system: readonly string[];
  /** The user, assistant and tool turns, in order. */
  readonly messages: readonly ChatMessage[];
  /** Function tools; `undefined` when the request has none. */
  readonly tools: readonly ToolDefinition[] | undefined;
  /** Tools of other kinds (`custom`, …), by type; only OpenAI takes them. */
  readonly otherTools: readonly string[];
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
  /** `max_completion_tokens`, else `max_tokens`: output token limit. */
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[] | undefined;
  /** Body fields no translation to another provider carries (`response_format`, `seed`, …), sorted. */
  readonly unmapped: readonly string[];
  /** The body as received, for the OpenAI pass-through. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** Body fields that the translations read (or that only steer the serving). */
const mapped = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'n',
]);

/**
 * Checks a parsed JSON body as OpenAI does and reads it into a {@link ChatRequest}. `model` is
 * checked for presence and type here; whether it is served is the server's check.
 *
 * Message content may be a string or an array of parts; `text` parts are read, other parts
 * (`image_url`, `input_audio`, `file`) are kept by type for the OpenAI pass-through. `system` and
 * `developer` messages may stand anywhere. An assistant message's `content` may be null when it
 * has `tool_calls`. `n` other than 1 is refused: the server answers with one choice.
 *
 * @throws InvalidRequestError (400) naming the field: not an object, a required field missing,
 * a wrong type, an unknown role, a tool message without `tool_call_id`, `n` > 1.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw new InvalidRequestError(`The request body must be a JSON object, not ${typeName(body)}.`, { code: 'invalid_type' });
  const model = body.model;
  if (model === undefined) throw missing('model');
  if (typeof model !== 'string') throw invalidType('model', 'a string', model);

  const stream = optional(body, 'stream', 'boolean') ?? false;
  let includeUsage = false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions)) throw invalidType('stream_options', 'an object', streamOptions);
    includeUsage = optional(streamOptions, 'include_usage', 'boolean', 'stream_options.include_usage') === true;
  }
  const n = optional(body, 'n', 'number');
  if (n !== undefined && n !== 1) throw invalidValue('n', `rxllm serve answers with one choice; leave 'n' out or set it to 1 (got ${n}).`);

  const messages = body.messages;
  if (messages === undefined) throw missing('messages');
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array', messages);
  if (messages.length === 0) {
    throw new InvalidRequestError("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", {
      param: 'messages',
      code: 'empty_array',
    });
  }
  const system: string[] = [];
  const turns: ChatMessage[] = [];
  messages.forEach((message: unknown, at) => readMessage(message, at, system, turns));

  const { tools, otherTools } = readTools(body.tools);
  const maxTokens = positiveInteger(body, 'max_completion_tokens') ?? positiveInteger(body, 'max_tokens');
  return {
    model,
    stream,
    includeUsage,
    system,
    messages: turns,
    tools,
    otherTools,
    toolChoice: readToolChoice(body.tool_choice),
    parallelToolCalls: optional(body, 'parallel_tool_calls', 'boolean'),
    maxTokens,
    temperature: optional(body, 'temperature', 'number'),
    topP: optional(body, 'top_p', 'number'),
    stop: readStop(body.stop),
    unmapped: Object.keys(body)
      .filter((key) => !mapped.has(key) && body[key] !== undefined && body[key] !== null)
      .sort(),
    body,
  };
}

/** Reads `messages[at]` into `system` or `turns`. */
function readMessage(message: unknown, at: number, system: string[], turns: ChatMessage[]): void {
  const param = `messages[${at}]`;
  if (!isObject(message)) throw invalidType(param, 'an object', message);
  const role = message.role;
  if (role === undefined) throw missing(`${param}.role`);
  switch (role) {
    case 'system':
    case 'developer':
      system.push(textOf(message.content, `${param}.content`, true));
      return;
    case 'user':
      turns.push({ role: 'user', at, content: partsOf(message.content, `${param}.content`, false) });
      return;
    case 'assistant': {
      const toolCalls = readToolCalls(message.tool_calls, `${param}.tool_calls`);
      const content = message.content === undefined || message.content === null ? [] : partsOf(message.content, `${param}.content`, false);
      if (content.length === 0 && toolCalls.length === 0 && message.content === undefined) throw missing(`${param}.content`);
      turns.push({ role: 'assistant', at, content, toolCalls });
      return;
    }
    case 'tool': {
      const id = message.tool_call_id;
      if (id === undefined) throw missing(`${param}.tool_call_id`);
      if (typeof id !== 'string') throw invalidType(`${param}.tool_call_id`, 'a string', id);
      turns.push({ role: 'tool', at, toolCallId: id, content: textOf(message.content, `${param}.content`, true) });
      return;
    }
    case 'function':
      throw invalidValue(`${param}.role`, "the deprecated 'function' role is not served; send tool results as role 'tool' with 'tool_call_id'.");
    default:
      throw new InvalidRequestError(
        `Invalid value: ${JSON.stringify(role)}. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.`,
        { param: `${param}.role`, code: 'invalid_value' },
      );
  }
}

/** String content, or an array of parts (`{ type: 'text', text }`, or another type kept by name). */
function partsOf(content: unknown, param: string, textOnly: boolean): ContentPart[] {
  if (content === undefined) throw missing(param);
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array of content parts', content);
  return content.map((part: unknown, j): ContentPart => {
    const at = `${param}[${j}]`;
    if (!isObject(part)) throw invalidType(at, 'an object', part);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw part.text === undefined ? missing(`${at}.text`) : invalidType(`${at}.text`, 'a string', part.text);
      return { type: 'text', text: part.text };
    }
    if (typeof part.type !== 'string') throw part.type === undefined ? missing(`${at}.type`) : invalidType(`${at}.type`, 'a string', part.type);
    if (textOnly) throw invalidValue(`${at}.type`, `only 'text' parts are allowed here, not '${part.type}'.`);
    return { type: 'other', partType: part.type };
  });
}

/** String content or text parts, joined (system, developer and tool messages). */
function textOf(content: unknown, param: string, textOnly: true): string {
  return partsOf(content, param, textOnly)
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('');
}

/** An assistant message's `tool_calls`: `[{ id, type: 'function', function: { name, arguments } }]`. */
function readToolCalls(calls: unknown, param: string): ToolCallPart[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw invalidType(param, 'an array', calls);
  return calls.map((call: unknown, j) => {
    const at = `${param}[${j}]`;
    if (!isObject(call)) throw invalidType(at, 'an object', call);
    if (typeof call.id !== 'string') throw call.id === undefined ? missing(`${at}.id`) : invalidType(`${at}.id`, 'a string', call.id);
    const fn = call.function;
    if (!isObject(fn)) throw fn === undefined ? missing(`${at}.function`) : invalidType(`${at}.function`, 'an object', fn);
    if (typeof fn.name !== 'string') throw fn.name === undefined ? missing(`${at}.function.name`) : invalidType(`${at}.function.name`, 'a string', fn.name);
    const args = fn.arguments ?? '';
    if (typeof args !== 'string') throw invalidType(`${at}.function.arguments`, 'a string', args);
    return { id: call.id, name: fn.name, arguments: args };
  });
}

/** `tools`: function tools read; other kinds kept by type. */
function readTools(tools: unknown): { tools: ToolDefinition[] | undefined; otherTools: string[] } {
  if (tools === undefined || tools === null) return { tools: undefined, otherTools: [] };
  if (!Array.isArray(tools)) throw invalidType('tools', 'an array', tools);
  const out: ToolDefinition[] = [];
  const otherTools: string[] = [];
  tools.forEach((tool: unknown, j) => {
    const at = `tools[${j}]`;
    if (!isObject(tool)) throw invalidType(at, 'an object', tool);
    if (tool.type !== 'function') {
      if (typeof tool.type !== 'string') throw tool.type === undefined ? missing(`${at}.type`) : invalidType(`${at}.type`, 'a string', tool.type);
      otherTools.push(tool.type);
      return;
    }
    const fn = tool.function;
    if (!isObject(fn)) throw fn === undefined ? missing(`${at}.function`) : invalidType(`${at}.function`, 'an object', fn);
    if (typeof fn.name !== 'string') throw fn.name === undefined ? missing(`${at}.function.name`) : invalidType(`${at}.function.name`, 'a string', fn.name);
    const definition: { -readonly [K in keyof ToolDefinition]: ToolDefinition[K] } = { name: fn.name };
    if (fn.description !== undefined && fn.description !== null) {
      if (typeof fn.description !== 'string') throw invalidType(`${at}.function.description`, 'a string', fn.description);
      definition.description = fn.description;
    }
    if (fn.parameters !== undefined && fn.parameters !== null) {
      if (!isObject(fn.parameters)) throw invalidType(`${at}.function.parameters`, 'an object', fn.parameters);
      definition.parameters = fn.parameters;
    }
    out.push(definition);
  });
  return { tools: out, otherTools };
}

/** `tool_choice`: `"auto" | "none" | "required"` or `{ type: 'function', function: { name } }`. */
function readToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (typeof choice === 'string') throw invalidValue('tool_choice', `${JSON.stringify(choice)} is none of 'auto', 'none', 'required'.`);
  if (!isObject(choice)) throw invalidType('tool_choice', 'a string or an object', choice);
  const fn = choice.function;
  if (choice.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string') {
    throw invalidValue('tool_choice', "name one function as { type: 'function', function: { name } }.");
  }
  return { name: fn.name };
}

/** `stop`: a string or an array of strings. */
function readStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) throw invalidType('stop', 'a string or an array of strings', stop);
  return stop as string[];
}

/** A field that must be a whole number > 0 when present. */
function positiveInteger(body: Record<string, unknown>, key: string): number | undefined {
  const value = optional(body, key, 'number');
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) throw invalidType(key, 'an integer', value);
  if (value < 1) {
    throw new InvalidRequestError(`Invalid '${key}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`, {
      param: key,
      code: 'integer_below_min_value',
    });
  }
  return value;
}

/** `object[key]` when present (null counts as absent), checked to be of `type`. */
function optional<T extends 'boolean' | 'number'>(
  object: Record<string, unknown>,
  key: string,
  type: T,
  param = key,
): (T extends 'boolean' ? boolean : number) | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) throw invalidType(param, `a ${type}`, value);
  return value as T extends 'boolean' ? boolean : number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
