/**
 * An OpenAI Chat Completions request as Anthropic Messages API params. Pure.
 * @see https://docs.anthropic.com/en/api/messages
 * @internal
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import type { AnthropicMessageParams } from './from-anthropic.ts';
import type { ChatRequest, ToolChoice } from '../../gateway/parse-chat-request.ts';
import { argumentsOf, checkToolKinds, EMPTY_SCHEMA, groupTurns, texts } from '../shared/to-params-shared.ts';

/** `max_tokens` when the request gives none (the Messages API requires it), as `rxllm chat` uses. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Chat Completions fields the Messages API has no place for: left out. */
export const ANTHROPIC_UNSUPPORTED: readonly string[] = ['temperature', 'top_p'];

/**
 * The Messages API params (without `stream`) for `request`, sent to `model`:
 * - `system` / `developer` messages → `system` text blocks, in order;
 * - user text → `text` blocks; assistant text → `text` blocks, `tool_calls` → `tool_use` blocks
 *   (`input` = the parsed arguments); `tool` messages → `tool_result` blocks in the user turn,
 *   placed before its text as the API requires; consecutive turns of one speaker are one message;
 *   empty text is left out (the API refuses empty text blocks);
 * - `tools` → `{ name, description, input_schema }`; `tool_choice` `auto` / `none` / `required`
 *   / a function → `auto` / `none` / `any` / `tool`; `parallel_tool_calls: false` →
 *   `disable_parallel_tool_use: true`;
 * - `max_completion_tokens` (else `max_tokens`, else {@link ANTHROPIC_DEFAULT_MAX_TOKENS}) →
 *   `max_tokens`; `stop` → `stop_sequences`. `temperature` and `top_p` are left out: the Messages
 *   API of the SDK rxllm is built on has no sampling parameters ({@link ANTHROPIC_UNSUPPORTED}).
 *
 * @throws InvalidRequestError for content parts that are not text, tools that are not
 * functions, and tool call arguments that are not a JSON object.
 */
export function toAnthropicParams(request: ChatRequest, model: string): AnthropicMessageParams {
  checkToolKinds(request, 'anthropic');
  const messages: Anthropic.MessageParam[] = [];
  for (const group of groupTurns(request.messages)) {
    const results: Anthropic.ToolResultBlockParam[] = [];
    const blocks: Anthropic.ContentBlockParam[] = [];
    for (const turn of group.turns) {
      switch (turn.role) {
        case 'tool':
          results.push({ type: 'tool_result', tool_use_id: turn.toolCallId, content: turn.content });
          break;
        case 'user':
          for (const text of texts(turn.content, turn.at, 'anthropic')) blocks.push({ type: 'text', text });
          break;
        case 'assistant':
          for (const text of texts(turn.content, turn.at, 'anthropic')) blocks.push({ type: 'text', text });
          turn.toolCalls.forEach((call, j) => blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: argumentsOf(call, turn.at, j) }));
          break;
        default:
          break;
      }
    }
    const content = results.length === 0 ? blocks : [...results, ...blocks];
    if (content.length > 0) messages.push({ role: group.speaker, content });
  }

  const params: { -readonly [K in keyof AnthropicMessageParams]: AnthropicMessageParams[K] } = {
    model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  const system = request.system.filter((text) => text !== '');
  if (system.length > 0) params.system = system.map((text) => ({ type: 'text', text }));
  if (request.tools !== undefined && request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: (tool.parameters ?? EMPTY_SCHEMA) as Anthropic.Tool.InputSchema,
    }));
    const choice = toolChoice(request.toolChoice, request.parallelToolCalls);
    if (choice !== undefined) params.tool_choice = choice;
  }
  if (request.stop !== undefined && request.stop.length > 0) params.stop_sequences = [...request.stop];
  return params;
}

/** OpenAI's `tool_choice` and `parallel_tool_calls` as Anthropic's `tool_choice`; `undefined` leaves the API's default (`auto`). */
function toolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Anthropic.ToolChoice | undefined {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  switch (choice) {
    case undefined:
      return parallel === false ? { type: 'auto', ...serial } : undefined;
    case 'auto':
      return { type: 'auto', ...serial };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any', ...serial };
    default:
      return { type: 'tool', name: choice.name, ...serial };
  }
}
