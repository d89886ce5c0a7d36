/**
 * A {@link ChatRequest} as Anthropic Messages API params. Pure.
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import type { ChatRequest, ImagePart, FilePart, ToolChoice } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { argumentsOf, budgetOf, EMPTY_SCHEMA, groupTurns, IgnoredList, inlineData, unsupported, withProviderOptions } from '../../sources/translate.ts';
import type { AnthropicMessageParams } from './from-anthropic.ts';

const PROVIDER = 'anthropic';

/** `max_tokens` when the request gives none (the Messages API requires it). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * The Messages API params (without `stream`) for `request`, sent to `model`:
 * - `system` → `system`; user text, images (`url` or `base64` source) and PDF files
 *   (`document`) → content blocks; empty text is left out (the API refuses empty text blocks);
 * - assistant reasoning with a `signature` → `thinking` blocks (the API requires the signature
 *   back; reasoning without one is left out and reported), redacted reasoning →
 *   `redacted_thinking`, text → `text`, tool calls → `tool_use` (`input` = the parsed arguments),
 *   in the order the model produced them;
 * - tool results → `tool_result` blocks (`is_error` kept) at the start of the user turn, as the
 *   API requires; consecutive turns of one speaker are one message;
 * - `tools` → `{ name, description, input_schema }`; `toolChoice` `auto` / `none` / `required` /
 *   a name → `auto` / `none` / `any` / `tool`; `parallelToolCalls: false` →
 *   `disable_parallel_tool_use`;
 * - `maxTokens` (else {@link ANTHROPIC_DEFAULT_MAX_TOKENS}) → `max_tokens`; `stop` →
 *   `stop_sequences`; `reasoning` → `thinking: { type: 'enabled', budget_tokens }` (an effort
 *   becomes its budget); `responseFormat` JSON Schema → `output_config.format`;
 * - `temperature`, `topP` and `seed` are left out and reported: the Messages API of the SDK
 *   rxllm is built on has no sampling parameters; `responseFormat: json` (no schema) too.
 *
 * @throws UnsupportedRequestError for files that are not PDF or text and tool call arguments
 * that are not a JSON object.
 */
export function toAnthropicParams(request: ChatRequest, model: string): Translation<AnthropicMessageParams> {
  const ignored = new IgnoredList();
  const messages: Anthropic.MessageParam[] = [];
  for (const group of groupTurns(request.messages)) {
    const results: Anthropic.ToolResultBlockParam[] = [];
    const blocks: Anthropic.ContentBlockParam[] = [];
    for (const { message, at } of group.turns) {
      const param = `messages[${at}]`;
      switch (message.role) {
        case 'tool': {
          const content: Anthropic.ToolResultBlockParam['content'] =
            typeof message.content === 'string'
              ? message.content
              : message.content.map((part, j) => (part.type === 'text' ? { type: 'text' as const, text: part.text } : imageBlock(part, `${param}.content[${j}]`)));
          results.push({ type: 'tool_result', tool_use_id: message.toolCallId, content, ...(message.isError ? { is_error: true } : {}) });
          break;
        }
        case 'user':
          if (typeof message.content === 'string') {
            if (message.content !== '') blocks.push({ type: 'text', text: message.content });
            break;
          }
          message.content.forEach((part, j) => {
            const at2 = `${param}.content[${j}]`;
            if (part.type === 'text') {
              if (part.text !== '') blocks.push({ type: 'text', text: part.text });
            } else if (part.type === 'image') blocks.push(imageBlock(part, at2));
            else blocks.push(documentBlock(part, at2));
          });
          break;
        case 'assistant':
          if (typeof message.content === 'string') {
            if (message.content !== '') blocks.push({ type: 'text', text: message.content });
            break;
          }
          message.content.forEach((part, j) => {
            const at2 = `${param}.content[${j}]`;
            switch (part.type) {
              case 'text':
                if (part.text !== '') blocks.push({ type: 'text', text: part.text });
                break;
              case 'tool-call':
                blocks.push({ type: 'tool_use', id: part.id, name: part.name, input: argumentsOf(part, at2, PROVIDER) });
                break;
              case 'reasoning':
                if ('redacted' in part) blocks.push({ type: 'redacted_thinking', data: part.data });
                else if (part.signature !== undefined) blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
                else ignored.add(at2, 'Anthropic takes earlier thinking only with its signature');
                break;
            }
          });
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
  if (request.system !== undefined && request.system !== '') params.system = request.system;
  if (request.tools !== undefined && request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: (tool.parameters ?? EMPTY_SCHEMA) as Anthropic.Tool.InputSchema,
    }));
    const choice = toolChoice(request.toolChoice, request.parallelToolCalls);
    if (choice !== undefined) params.tool_choice = choice;
  } else if (request.parallelToolCalls !== undefined) ignored.add('parallelToolCalls', 'the request has no tools');
  if (request.stop !== undefined && request.stop.length > 0) params.stop_sequences = [...request.stop];
  if (request.reasoning !== undefined) {
    const budget = budgetOf(request.reasoning);
    if (budget !== undefined) params.thinking = { type: 'enabled', budget_tokens: budget };
  }
  const format = request.responseFormat;
  if (format?.type === 'json-schema') params.output_config = { format: { type: 'json_schema', schema: format.schema as Record<string, unknown> } };
  else if (format?.type === 'json') ignored.add('responseFormat', 'Anthropic structured output needs a JSON Schema');
  ignored.fields(request, PROVIDER, ['temperature', 'topP', 'seed']);
  return { params: withProviderOptions(params, request, PROVIDER), ignored: ignored.items };
}

function imageBlock(part: ImagePart, param: string): Anthropic.ImageBlockParam {
  const inline = inlineData(part);
  if (inline !== undefined) {
    return { type: 'image', source: { type: 'base64', media_type: (inline.mediaType ?? 'image/png') as Anthropic.Base64ImageSource['media_type'], data: inline.data } };
  }
  if (part.url === undefined) throw unsupported(PROVIDER, param, 'an image needs a url or base64 data');
  return { type: 'image', source: { type: 'url', url: part.url } };
}

function documentBlock(part: FilePart, param: string): Anthropic.DocumentBlockParam {
  if (part.mediaType !== 'application/pdf') throw unsupported(PROVIDER, param, `Anthropic takes PDF documents, not ${part.mediaType}`);
  const inline = inlineData(part);
  if (inline !== undefined) return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data } };
  if (part.url === undefined) throw unsupported(PROVIDER, param, 'a file needs a url or base64 data');
  return { type: 'document', source: { type: 'url', url: part.url } };
}

/** The request's `toolChoice` and `parallelToolCalls` as Anthropic's `tool_choice`; `undefined` leaves the API's default (`auto`). */
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
