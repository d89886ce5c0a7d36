/**
 * An OpenAI Chat Completions request as a Bedrock Runtime Converse / ConverseStream input. Pure.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @internal
 */
import type {
  ContentBlock,
  ConverseStreamCommandInput,
  InferenceConfiguration,
  Message,
  Tool,
  ToolChoice as BedrockToolChoice,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { ChatRequest, ToolChoice } from '../../gateway/parse-chat-request.ts';
import { argumentsOf, checkToolKinds, EMPTY_SCHEMA, groupTurns, texts } from '../shared/to-params-shared.ts';

/** Smithy's JSON document type, as the SDK's models name it. */
type DocumentType = NonNullable<ToolUseBlock['input']>;

/** Chat Completions fields Converse has no place for: left out. */
export const BEDROCK_UNSUPPORTED: readonly string[] = ['parallel_tool_calls'];

/**
 * The ConverseStream input (Converse takes the same) for `request`, sent to the model id `model`:
 * - `system` / `developer` messages → `system` text blocks, in order;
 * - user and assistant text → `text` blocks; `tool_calls` → `toolUse` blocks (`input` = the parsed
 *   arguments); `tool` messages → `toolResult` blocks (`content: [{ text }]`) in the user turn,
 *   before its text; consecutive turns of one speaker are one message (Converse requires the roles
 *   to alternate); empty text is left out (Converse refuses blank text blocks);
 * - `tools` → `toolConfig.tools[].toolSpec` (`inputSchema.json` = the JSON Schema);
 *   `tool_choice` `auto` / `required` / a function → `toolChoice` `auto` / `any` / `tool`;
 *   `none` → the tools are not sent (Converse has no `none`; it then refuses a conversation that
 *   holds tool calls without `toolConfig`, with its own 400);
 * - `max_completion_tokens` (else `max_tokens`) → `inferenceConfig.maxTokens`; `temperature`,
 *   `top_p` → `topP`; `stop` → `stopSequences`. `parallel_tool_calls` has no Converse counterpart
 *   ({@link BEDROCK_UNSUPPORTED}).
 *
 * @throws InvalidRequestError for content parts that are not text, tools that are not
 * functions, and tool call arguments that are not a JSON object.
 */
export function toBedrockInput(request: ChatRequest, model: string): ConverseStreamCommandInput {
  checkToolKinds(request, 'bedrock');
  const messages: Message[] = [];
  for (const group of groupTurns(request.messages)) {
    const results: ContentBlock[] = [];
    const blocks: ContentBlock[] = [];
    for (const turn of group.turns) {
      switch (turn.role) {
        case 'tool':
          results.push({ toolResult: { toolUseId: turn.toolCallId, content: [{ text: turn.content }] } });
          break;
        case 'user':
          for (const text of texts(turn.content, turn.at, 'bedrock')) blocks.push({ text });
          break;
        case 'assistant':
          for (const text of texts(turn.content, turn.at, 'bedrock')) blocks.push({ text });
          turn.toolCalls.forEach((call, j) => blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: argumentsOf(call, turn.at, j) as DocumentType } }));
          break;
        default:
          break;
      }
    }
    const content = results.length === 0 ? blocks : [...results, ...blocks];
    if (content.length > 0) messages.push({ role: group.speaker, content });
  }

  const input: ConverseStreamCommandInput = { modelId: model, messages };
  const system = request.system.filter((text) => text !== '');
  if (system.length > 0) input.system = system.map((text) => ({ text }));
  if (request.tools !== undefined && request.tools.length > 0 && request.toolChoice !== 'none') {
    const tools = request.tools.map((tool): Tool => ({
      toolSpec: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: { json: (tool.parameters ?? EMPTY_SCHEMA) as DocumentType },
      },
    }));
    const toolChoice = toolChoiceOf(request.toolChoice);
    input.toolConfig = toolChoice === undefined ? { tools } : { tools, toolChoice };
  }
  const inference: InferenceConfiguration = {};
  if (request.maxTokens !== undefined) inference.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) inference.temperature = request.temperature;
  if (request.topP !== undefined) inference.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) inference.stopSequences = [...request.stop];
  if (Object.keys(inference).length > 0) input.inferenceConfig = inference;
  return input;
}

/** OpenAI's `tool_choice` as Converse's `toolChoice`; `undefined` leaves the API's default (`auto`). */
function toolChoiceOf(choice: Exclude<ToolChoice, 'none'> | undefined): BedrockToolChoice | undefined {
  switch (choice) {
    case undefined:
      return undefined;
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    default:
      return { tool: { name: choice.name } };
  }
}
