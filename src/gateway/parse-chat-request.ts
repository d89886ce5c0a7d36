/**
 * Reads an OpenAI Chat Completions request body into a checked, provider-neutral
 * {@link ChatRequest}, which each adapter translates for its provider. Pure.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @module
 */
import type {
  AssistantContentPart,
  ChatMessage,
  ChatRequest,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
  UserContentPart,
} from '../core/chat-request.ts';
import { InvalidRequestError, invalidType, invalidValue, missing, typeName } from './invalid-request.ts';

/** A Chat Completions body, read: the neutral request and what steers the serving. */
export interface ParsedChatRequest {
  /** The body's `model`: the name the client asked for. */
  readonly model: string;
  /** The client asked for server-sent events (`stream: true`). */
  readonly stream: boolean;
  /** `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  readonly request: ChatRequest;
  /**
   * Body fields that `ChatRequest` has no place for (`logprobs`, `metadata`, `store`, …), as
   * sent. The OpenAI adapter's pass-through carries them; for other providers they are ignored
   * and named in `x-rxllm-ignored-params`.
   */
  readonly extras: Readonly<Record<string, unknown>>;
  /**
   * What the body holds that `ChatRequest` cannot (tools other than functions, `input_audio`
   * parts, files by id), each as the 400 to answer with when the upstream is not OpenAI itself
   * (whose adapter takes the body as it is).
   */
  readonly unserved: readonly InvalidRequestError[];
  /** For each message of `request.messages`, its position in the body's `messages` (for error params). */
  readonly bodyIndex: readonly number[];
  /** The body as received. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** Body fields read into the request (or that only steer the serving). */
const READ = new Set([
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
  'seed',
  'reasoning_effort',
  'response_format',
  'n',
]);

/** How deep `messages`, tools and schemas may nest before a body is refused, in levels. */
export const MAX_BODY_DEPTH = 64;

/**
 * Checks a parsed JSON body as OpenAI does and reads it into a {@link ParsedChatRequest}.
 * `model` is checked for presence and type here; whether it is served is the handler's check.
 *
 * - `system` and `developer` messages (anywhere) → `system`, joined by blank lines;
 * - user content: a string, or `text`, `image_url` (→ image; `data:` URLs kept as URLs, read as
 *   bytes by adapters that need them), `file` with `file_data` (→ file) parts; other part types
 *   (`input_audio`, `file` by id) are refused for providers other than OpenAI by the adapter;
 * - assistant `content` (may be null with `tool_calls`) and `tool_calls` → text and tool-call
 *   parts; `refusal` text is kept as text; tool messages → tool results (text);
 * - `tools` (function tools), `tool_choice`, `parallel_tool_calls`, `max_completion_tokens` (else
 *   `max_tokens`), `temperature`, `top_p`, `stop`, `seed`, `reasoning_effort`, `response_format`.
 *
 * @throws InvalidRequestError (400) naming the field: not an object, a required field missing,
 * a wrong type, an unknown role, a tool message without `tool_call_id`, `n` other than 1,
 * `stream_options` without `stream: true`. What only OpenAI takes is listed in `unserved`.
 */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  if (!isObject(body)) throw new InvalidRequestError(`The request body must be a JSON object, not ${typeName(body)}.`, { code: 'invalid_type' });
  const model = body.model;
  if (model === undefined) throw missing('model');
  if (typeof model !== 'string') throw invalidType('model', 'a string', model);

  const stream = optional(body, 'stream', 'boolean') ?? false;
  let includeUsage = false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions)) throw invalidType('stream_options', 'an object', streamOptions);
    if (!stream) {
      throw new InvalidRequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", { param: 'stream_options', code: 'invalid_value' });
    }
    includeUsage = optional(streamOptions, 'include_usage', 'boolean', 'stream_options.include_usage') === true;
  }
  const n = optional(body, 'n', 'number');
  if (n !== undefined && n !== 1) throw invalidValue('n', `this server answers with one choice; leave 'n' out or set it to 1 (got ${n}).`);

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
  const bodyIndex: number[] = [];
  const unserved: InvalidRequestError[] = [];
  messages.forEach((message: unknown, at) => readMessage(message, at, system, turns, bodyIndex, unserved));

  const request: { -readonly [K in keyof ChatRequest]: ChatRequest[K] } = { messages: turns };
  const systemText = system.filter((text) => text !== '').join('\n\n');
  if (systemText !== '') request.system = systemText;
  const tools = readTools(body.tools, unserved);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = readToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallel = optional(body, 'parallel_tool_calls', 'boolean');
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const maxTokens = positiveInteger(body, 'max_completion_tokens') ?? positiveInteger(body, 'max_tokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optional(body, 'temperature', 'number');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optional(body, 'top_p', 'number');
  if (topP !== undefined) request.topP = topP;
  const stop = readStop(body.stop);
  if (stop !== undefined) request.stop = stop;
  const seed = optional(body, 'seed', 'number');
  if (seed !== undefined) request.seed = seed;
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null) {
    if (effort !== 'minimal' && effort !== 'low' && effort !== 'medium' && effort !== 'high') {
      throw invalidValue('reasoning_effort', `${JSON.stringify(effort)} is none of 'minimal', 'low', 'medium', 'high'.`);
    }
    request.reasoning = { effort };
  }
  const format = readResponseFormat(body.response_format);
  if (format !== undefined) request.responseFormat = format;

  const extras: Record<string, unknown> = {};
  for (const key of Object.keys(body).sort()) if (!READ.has(key) && body[key] !== undefined && body[key] !== null) extras[key] = body[key];
  return { model, stream, includeUsage, request, extras, unserved, bodyIndex, body };
}

/** Reads `messages[at]` into `system` or `turns`. */
function readMessage(message: unknown, at: number, system: string[], turns: ChatMessage[], bodyIndex: number[], unserved: InvalidRequestError[]): void {
  const param = `messages[${at}]`;
  if (!isObject(message)) throw invalidType(param, 'an object', message);
  const role = message.role;
  if (role === undefined) throw missing(`${param}.role`);
  switch (role) {
    case 'system':
    case 'developer':
      system.push(textOf(message.content, `${param}.content`));
      return;
    case 'user':
      bodyIndex.push(at);
      turns.push({ role: 'user', content: userParts(message.content, `${param}.content`, unserved) });
      return;
    case 'assistant': {
      const content: AssistantContentPart[] = [];
      if (message.content !== undefined && message.content !== null) {
        const text = textOf(message.content, `${param}.content`, true);
        if (text !== '') content.push({ type: 'text', text });
      }
      if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'text', text: message.refusal });
      readToolCalls(message.tool_calls, `${param}.tool_calls`, content);
      if (content.length === 0 && message.content === undefined && message.tool_calls === undefined) throw missing(`${param}.content`);
      bodyIndex.push(at);
      turns.push({ role: 'assistant', content });
      return;
    }
    case 'tool': {
      const id = message.tool_call_id;
      if (id === undefined) throw missing(`${param}.tool_call_id`);
      if (typeof id !== 'string') throw invalidType(`${param}.tool_call_id`, 'a string', id);
      bodyIndex.push(at);
      turns.push({ role: 'tool', toolCallId: id, content: textOf(message.content, `${param}.content`) });
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

/** A user message's content: a string, or parts (`text`, `image_url`, `file` with `file_data`). */
function userParts(content: unknown, param: string, unserved: InvalidRequestError[]): string | UserContentPart[] {
  if (content === undefined) throw missing(param);
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array of content parts', content);
  const parts: UserContentPart[] = [];
  content.forEach((part: unknown, j) => {
    const at = `${param}[${j}]`;
    const read = userPart(part, at);
    if (read instanceof InvalidRequestError) unserved.push(read);
    else parts.push(read);
  });
  return parts;
}

/** One user content part, or the error to answer when the upstream cannot take it. */
function userPart(part: unknown, at: string): UserContentPart | InvalidRequestError {
    if (!isObject(part)) throw invalidType(at, 'an object', part);
    switch (part.type) {
      case 'text':
        return { type: 'text', text: stringField(part, 'text', at) };
      case 'image_url': {
        const image = part.image_url;
        if (!isObject(image)) throw image === undefined ? missing(`${at}.image_url`) : invalidType(`${at}.image_url`, 'an object', image);
        const url = stringField(image, 'url', `${at}.image_url`);
        const detail = image.detail;
        return detail === 'auto' || detail === 'low' || detail === 'high' ? { type: 'image', url, detail } : { type: 'image', url };
      }
      case 'file': {
        const file = part.file;
        if (!isObject(file)) throw file === undefined ? missing(`${at}.file`) : invalidType(`${at}.file`, 'an object', file);
        if (typeof file.file_data !== 'string') return invalidValue(`${at}.file`, "only files sent inline as 'file_data' (a data: URL) are served to this provider; file ids belong to OpenAI's own storage.");
        const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(file.file_data);
        if (match === null) throw invalidValue(`${at}.file.file_data`, "expected a 'data:<media type>;base64,…' URL.");
        return { type: 'file', mediaType: match[1]!, data: match[2]!, ...(typeof file.filename === 'string' ? { filename: file.filename } : {}) };
      }
      case undefined:
        throw missing(`${at}.type`);
      default:
        if (typeof part.type !== 'string') throw invalidType(`${at}.type`, 'a string', part.type);
        return invalidValue(`${at}.type`, `'${part.type}' content parts are not served to this provider; send text, image_url or file parts.`);
    }
}

/** String content or text parts, joined (system, developer, assistant and tool messages). */
function textOf(content: unknown, param: string, allowRefusal = false): string {
  if (content === undefined) throw missing(param);
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array of content parts', content);
  let text = '';
  content.forEach((part: unknown, j) => {
    const at = `${param}[${j}]`;
    if (!isObject(part)) throw invalidType(at, 'an object', part);
    if (part.type === 'text') text += stringField(part, 'text', at);
    else if (allowRefusal && part.type === 'refusal') text += stringField(part, 'refusal', at);
    else if (typeof part.type !== 'string') throw part.type === undefined ? missing(`${at}.type`) : invalidType(`${at}.type`, 'a string', part.type);
    else throw invalidValue(`${at}.type`, `only 'text' parts are allowed here, not '${part.type}'.`);
  });
  return text;
}

/** An assistant message's `tool_calls`: `[{ id, type: 'function', function: { name, arguments } }]`. */
function readToolCalls(calls: unknown, param: string, content: AssistantContentPart[]): void {
  if (calls === undefined || calls === null) return;
  if (!Array.isArray(calls)) throw invalidType(param, 'an array', calls);
  calls.forEach((call: unknown, j) => {
    const at = `${param}[${j}]`;
    if (!isObject(call)) throw invalidType(at, 'an object', call);
    const id = stringField(call, 'id', at);
    const fn = call.function;
    if (!isObject(fn)) throw fn === undefined ? missing(`${at}.function`) : invalidType(`${at}.function`, 'an object', fn);
    const name = stringField(fn, 'name', `${at}.function`);
    const args = fn.arguments ?? '';
    if (typeof args !== 'string') throw invalidType(`${at}.function.arguments`, 'a string', args);
    content.push({ type: 'tool-call', id, name, arguments: args });
  });
}

/** `tools`: function tools. */
function readTools(tools: unknown, unserved: InvalidRequestError[]): ToolDefinition[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalidType('tools', 'an array', tools);
  const out: ToolDefinition[] = [];
  tools.forEach((tool: unknown, j) => {
    const at = `tools[${j}]`;
    if (!isObject(tool)) throw invalidType(at, 'an object', tool);
    if (tool.type !== 'function') {
      if (typeof tool.type !== 'string') throw tool.type === undefined ? missing(`${at}.type`) : invalidType(`${at}.type`, 'a string', tool.type);
      unserved.push(invalidValue(`${at}.type`, `tools of type '${tool.type}' are not served to this provider; send function tools.`));
      return;
    }
    const fn = tool.function;
    if (!isObject(fn)) throw fn === undefined ? missing(`${at}.function`) : invalidType(`${at}.function`, 'an object', fn);
    const definition: { -readonly [K in keyof ToolDefinition]: ToolDefinition[K] } = { name: stringField(fn, 'name', `${at}.function`) };
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
  return out;
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

/** `response_format`: `{ type: 'text' | 'json_object' }` or `{ type: 'json_schema', json_schema: { name, schema, strict? } }`. */
function readResponseFormat(format: unknown): ResponseFormat | undefined {
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw invalidType('response_format', 'an object', format);
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const spec = format.json_schema;
      if (!isObject(spec)) throw spec === undefined ? missing('response_format.json_schema') : invalidType('response_format.json_schema', 'an object', spec);
      const name = stringField(spec, 'name', 'response_format.json_schema');
      const schema = spec.schema ?? {};
      if (!isObject(schema)) throw invalidType('response_format.json_schema.schema', 'an object', schema);
      return {
        type: 'json-schema',
        name,
        schema,
        ...(typeof spec.strict === 'boolean' ? { strict: spec.strict } : {}),
        ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      };
    }
    default:
      throw invalidValue('response_format.type', `${JSON.stringify(format.type)} is none of 'text', 'json_object', 'json_schema'.`);
  }
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

/** `object[key]` as a string, or the OpenAI-shaped error for a missing or ill-typed field. */
function stringField(object: Record<string, unknown>, key: string, param: string): string {
  const value = object[key];
  if (typeof value === 'string') return value;
  throw value === undefined ? missing(`${param}.${key}`) : invalidType(`${param}.${key}`, 'a string', value);
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
