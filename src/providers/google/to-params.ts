/**
 * An OpenAI Chat Completions request as Gemini API `generateContent` params (@google/genai). Pure.
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @internal
 */
import type { Content, FunctionCallingConfigMode, GenerateContentConfig, GenerateContentParameters, Part, ToolConfig } from '@google/genai';
import type { ChatRequest, ToolChoice } from '../../gateway/parse-chat-request.ts';
import { invalidValue } from '../../gateway/invalid-request.ts';
import { argumentsOf, checkToolKinds, groupTurns, texts } from '../shared/to-params-shared.ts';

/** Chat Completions fields the Gemini API has no place for: left out. */
export const GOOGLE_UNSUPPORTED: readonly string[] = ['parallel_tool_calls'];

/**
 * The `generateContent` / `generateContentStream` params for `request`, sent to `model`:
 * - `system` / `developer` messages → `config.systemInstruction` parts, in order;
 * - user turns → `role: 'user'` contents, assistant turns → `role: 'model'` with `text` parts and
 *   `functionCall` parts (`args` = the parsed arguments); `tool` messages → `functionResponse`
 *   parts (`name` found from the assistant call with that `tool_call_id`, `response: { output }`
 *   as the Gemini docs advise) in the user turn; consecutive turns of one speaker are one content;
 * - `tools` → one tool of `functionDeclarations` (`parametersJsonSchema` takes the JSON Schema as
 *   is); `tool_choice` `auto` / `none` / `required` / a function → `functionCallingConfig.mode`
 *   `AUTO` / `NONE` / `ANY` / `ANY` with `allowedFunctionNames`;
 * - `max_completion_tokens` (else `max_tokens`) → `maxOutputTokens`; `temperature`, `top_p` →
 *   `topP`; `stop` → `stopSequences`. `parallel_tool_calls` has no Gemini counterpart
 *   ({@link GOOGLE_UNSUPPORTED}).
 *
 * Call ids are not sent back: Gemini pairs a response with its call by name and order, and the
 * ids rxllm gives Gemini calls are its own.
 *
 * @throws InvalidRequestError for content parts that are not text, tools that are not
 * functions, arguments that are not a JSON object, and a tool message whose `tool_call_id` no
 * earlier assistant call has.
 */
export function toGoogleParams(request: ChatRequest, model: string): GenerateContentParameters {
  checkToolKinds(request, 'google');
  const names = new Map<string, string>();
  const contents: Content[] = [];
  for (const group of groupTurns(request.messages)) {
    const parts: Part[] = [];
    for (const turn of group.turns) {
      switch (turn.role) {
        case 'user':
          for (const text of texts(turn.content, turn.at, 'google')) parts.push({ text });
          break;
        case 'assistant':
          for (const text of texts(turn.content, turn.at, 'google')) parts.push({ text });
          turn.toolCalls.forEach((call, j) => {
            names.set(call.id, call.name);
            parts.push({ functionCall: { name: call.name, args: argumentsOf(call, turn.at, j) } });
          });
          break;
        case 'tool': {
          const name = names.get(turn.toolCallId);
          if (name === undefined) {
            throw invalidValue(
              `messages[${turn.at}].tool_call_id`,
              `no earlier assistant tool call has the id '${turn.toolCallId}'; Gemini needs the function name of each tool result.`,
            );
          }
          parts.push({ functionResponse: { name, response: { output: turn.content } } });
          break;
        }
        default:
          break;
      }
    }
    if (parts.length > 0) contents.push({ role: group.speaker === 'assistant' ? 'model' : 'user', parts });
  }

  const config: GenerateContentConfig = {};
  const system = request.system.filter((text) => text !== '');
  if (system.length > 0) config.systemInstruction = { parts: system.map((text) => ({ text })) };
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
  return Object.keys(config).length === 0 ? { model, contents } : { model, contents, config };
}

/** OpenAI's `tool_choice` as Gemini's `functionCallingConfig`; `undefined` leaves the API's default (`AUTO`). */
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
