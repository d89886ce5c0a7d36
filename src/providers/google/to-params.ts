/**
 * A {@link ChatRequest} as Gemini API `generateContent` params (@google/genai). Pure.
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 * @module
 */
import type { Content, FunctionCallingConfigMode, GenerateContentConfig, GenerateContentParameters, Part, ThinkingLevel, ToolConfig } from '@google/genai';
import type { ChatRequest, FilePart, ImagePart, ToolChoice } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { argumentsOf, groupTurns, IgnoredList, inlineData, unsupported } from '../../sources/translate.ts';

const PROVIDER = 'google';

/**
 * The `generateContent` / `generateContentStream` params for `request`, sent to `model`:
 * - `system` → `config.systemInstruction`; user text → `text` parts, images and files →
 *   `inlineData` (bytes) or `fileData` (a URL, with its media type);
 * - assistant turns → `role: 'model'`: text → `text` parts, tool calls → `functionCall` parts
 *   (`args` = the parsed arguments); a reasoning part's `signature` (Gemini's `thoughtSignature`,
 *   which rxllm emits on a reasoning delta of its own) goes back on the part that follows it, or
 *   on the call's own `signature`, as the thought-signatures guide requires; thought text itself
 *   is not sent back;
 * - tool results → `functionResponse` parts (`name` from the result's `toolName` or from the call
 *   with that id, `response: { output }` as the Gemini docs advise) in the user turn;
 * - `tools` → `functionDeclarations` (`parametersJsonSchema` takes the JSON Schema as is);
 *   `toolChoice` → `functionCallingConfig.mode` (`AUTO` / `NONE` / `ANY`, with
 *   `allowedFunctionNames` for a name);
 * - `maxTokens` → `maxOutputTokens`; `temperature`; `topP`; `stop` → `stopSequences`; `seed`;
 *   `reasoning` → `thinkingConfig` (`thinkingBudget` for a budget, `thinkingLevel` for an
 *   effort); `responseFormat` → `responseMimeType: 'application/json'` (+ `responseJsonSchema`);
 * - `parallelToolCalls` has no Gemini counterpart: left out and reported;
 * - `providerOptions.google` merged last (its `config` into `config`).
 *
 * @throws UnsupportedRequestError for a tool result whose call id no earlier call has (Gemini
 * needs the function's name), images or files without bytes or a URL and media type, and tool
 * call arguments that are not a JSON object.
 */
export function toGoogleParams(request: ChatRequest, model: string): Translation<GenerateContentParameters> {
  const ignored = new IgnoredList();
  const names = new Map<string, string>();
  const contents: Content[] = [];
  for (const group of groupTurns(request.messages)) {
    const parts: Part[] = [];
    for (const { message, at } of group.turns) {
      const param = `messages[${at}]`;
      switch (message.role) {
        case 'user':
          if (typeof message.content === 'string') {
            if (message.content !== '') parts.push({ text: message.content });
            break;
          }
          message.content.forEach((part, j) => {
            if (part.type === 'text') {
              if (part.text !== '') parts.push({ text: part.text });
            } else parts.push(mediaPart(part, `${param}.content[${j}]`));
          });
          break;
        case 'assistant': {
          if (typeof message.content === 'string') {
            if (message.content !== '') parts.push({ text: message.content });
            break;
          }
          let signature: string | undefined;
          message.content.forEach((part, j) => {
            switch (part.type) {
              case 'reasoning':
                if (!('redacted' in part) && part.signature !== undefined && part.signature !== '') signature = part.signature;
                break;
              case 'text':
                if (part.text === '' && signature === undefined) break;
                parts.push(signature === undefined ? { text: part.text } : { text: part.text, thoughtSignature: signature });
                signature = undefined;
                break;
              case 'tool-call': {
                names.set(part.id, part.name);
                const own = part.signature ?? signature;
                const call: Part = { functionCall: { name: part.name, args: argumentsOf(part, `${param}.content[${j}]`, PROVIDER) } };
                parts.push(own === undefined ? call : { ...call, thoughtSignature: own });
                signature = undefined;
                break;
              }
            }
          });
          break;
        }
        case 'tool': {
          const name = message.toolName ?? names.get(message.toolCallId);
          if (name === undefined) {
            throw unsupported(PROVIDER, `${param}.toolCallId`, `no earlier assistant tool call has the id '${message.toolCallId}' and the result has no toolName; Gemini needs the function's name`);
          }
          let output: string;
          if (typeof message.content === 'string') output = message.content;
          else {
            output = '';
            message.content.forEach((part, j) => {
              if (part.type === 'text') output += part.text;
              else ignored.add(`${param}.content[${j}]`, 'Gemini function responses hold JSON, not images');
            });
          }
          parts.push({ functionResponse: { name, response: message.isError ? { error: output } : { output } } });
          break;
        }
      }
    }
    if (parts.length > 0) contents.push({ role: group.speaker === 'assistant' ? 'model' : 'user', parts });
  }

  const config: GenerateContentConfig = {};
  if (request.system !== undefined && request.system !== '') config.systemInstruction = { parts: [{ text: request.system }] };
  if (request.tools !== undefined && request.tools.length > 0) {
    config.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
        })),
      },
    ];
    const toolConfig = toolConfigOf(request.toolChoice);
    if (toolConfig !== undefined) config.toolConfig = toolConfig;
  }
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = [...request.stop];
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.reasoning !== undefined) {
    const { budgetTokens, effort } = request.reasoning;
    if (budgetTokens !== undefined) config.thinkingConfig = { thinkingBudget: budgetTokens };
    else if (effort !== undefined) config.thinkingConfig = { thinkingLevel: (effort === 'high' ? 'HIGH' : effort === 'medium' ? 'MEDIUM' : 'LOW') as ThinkingLevel };
  }
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json-schema') config.responseJsonSchema = format.schema;
  }
  ignored.fields(request, PROVIDER, ['parallelToolCalls']);
  const params: GenerateContentParameters = Object.keys(config).length === 0 ? { model, contents } : { model, contents, config };
  const extra = request.providerOptions?.[PROVIDER];
  // Gemini's options live in `config`: merge `providerOptions.google` there (a `config` key too)
  const merged = extra === undefined ? params : { ...params, ...withoutConfig(extra), config: { ...params.config, ...(extra.config as object | undefined) } };
  return { params: merged, ignored: ignored.items };
}

function withoutConfig(extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { config: _config, ...rest } = extra;
  return rest;
}

function mediaPart(part: ImagePart | FilePart, param: string): Part {
  const inline = inlineData(part);
  const mimeType = inline?.mediaType ?? part.mediaType;
  if (inline !== undefined) {
    if (mimeType === undefined) throw unsupported(PROVIDER, param, 'Gemini needs the media type of inline data');
    return { inlineData: { mimeType, data: inline.data } };
  }
  if (part.url === undefined || mimeType === undefined) throw unsupported(PROVIDER, param, 'Gemini needs base64 data, or a URL with its media type');
  return { fileData: { fileUri: part.url, mimeType } };
}

/** The request's `toolChoice` as Gemini's `functionCallingConfig`; `undefined` leaves the API's default (`AUTO`). */
function toolConfigOf(choice: ToolChoice | undefined): ToolConfig | undefined {
  // FunctionCallingConfigMode is a string enum of the SDK; its values are the API's strings.
  const mode = (value: 'AUTO' | 'ANY' | 'NONE') => value as FunctionCallingConfigMode;
  switch (choice) {
    case undefined:
      return undefined;
    case 'auto':
      return { functionCallingConfig: { mode: mode('AUTO') } };
    case 'none':
      return { functionCallingConfig: { mode: mode('NONE') } };
    case 'required':
      return { functionCallingConfig: { mode: mode('ANY') } };
    default:
      return { functionCallingConfig: { mode: mode('ANY'), allowedFunctionNames: [choice.name] } };
  }
}
