/**
 * A {@link ChatRequest} as OpenAI Responses API params. Pure.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @module
 */
import type { ResponseInputContent, ResponseInputItem } from 'openai/resources/responses/responses';
import type { ChatRequest } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { effortOf, IgnoredList, imageURL, inlineData, unsupported, withProviderOptions } from '../../sources/translate.ts';
import type { OpenAIResponsesParams } from './from-openai-responses.ts';

const PROVIDER = 'openai-responses';

/**
 * The Responses params (without `stream`) for `request`, sent to `model`:
 * - `system` → `instructions`; user text, images (`input_image`) and base64 files (`input_file`)
 *   → a user message; assistant text → an assistant message, tool calls → `function_call` items;
 *   tool results → `function_call_output` items (text); reasoning of earlier turns is left out and
 *   reported (the Responses API takes it back only as its own encrypted items);
 * - `tools` → function tools (`strict: false`); `toolChoice`; `parallelToolCalls`; `maxTokens` →
 *   `max_output_tokens`; `temperature`; `topP`; `reasoning` → `reasoning.effort`;
 *   `responseFormat` → `text.format`; `stop` and `seed` have no Responses field (reported);
 * - `providerOptions['openai-responses']` merged last.
 * @throws UnsupportedRequestError for files given by URL.
 */
export function toResponsesParams(request: ChatRequest, model: string): Translation<OpenAIResponsesParams> {
  const ignored = new IgnoredList();
  const input: ResponseInputItem[] = [];
  request.messages.forEach((message, at) => {
    const param = `messages[${at}]`;
    switch (message.role) {
      case 'user': {
        if (typeof message.content === 'string') {
          input.push({ role: 'user', content: message.content });
          return;
        }
        const content: ResponseInputContent[] = message.content.map((part, j): ResponseInputContent => {
          if (part.type === 'text') return { type: 'input_text', text: part.text };
          if (part.type === 'image') return { type: 'input_image', detail: part.detail ?? 'auto', image_url: imageURL(part) ?? null };
          const inline = inlineData(part);
          if (inline === undefined) throw unsupported(PROVIDER, `${param}.content[${j}]`, 'the Responses API takes files as base64 data or file ids');
          return { type: 'input_file', file_data: `data:${inline.mediaType ?? part.mediaType};base64,${inline.data}`, ...(part.filename === undefined ? {} : { filename: part.filename }) };
        });
        input.push({ role: 'user', content });
        return;
      }
      case 'assistant': {
        if (typeof message.content === 'string') {
          input.push({ role: 'assistant', content: message.content });
          return;
        }
        let text = '';
        message.content.forEach((part, j) => {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool-call') input.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments });
          else ignored.add(`${param}.content[${j}]`, 'the Responses API takes earlier reasoning only as its own encrypted items');
        });
        if (text !== '') input.push({ role: 'assistant', content: text });
        return;
      }
      case 'tool': {
        let output = '';
        if (typeof message.content === 'string') output = message.content;
        else
          message.content.forEach((part, j) => {
            if (part.type === 'text') output += part.text;
            else ignored.add(`${param}.content[${j}]`, 'function_call_output holds text here');
          });
        input.push({ type: 'function_call_output', call_id: message.toolCallId, output });
        return;
      }
    }
  });
  const params: { -readonly [K in keyof OpenAIResponsesParams]: OpenAIResponsesParams[K] } = { model, input };
  if (request.system !== undefined && request.system !== '') params.instructions = request.system;
  if (request.tools !== undefined && request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      type: 'function' as const,
      name: tool.name,
      description: tool.description ?? null,
      parameters: (tool.parameters ?? null) as Record<string, unknown> | null,
      strict: false,
    }));
  }
  const choice = request.toolChoice;
  if (choice !== undefined) params.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
  if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  if (request.maxTokens !== undefined) params.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  if (request.reasoning !== undefined) {
    const effort = effortOf(request.reasoning);
    if (effort !== undefined) params.reasoning = { effort };
  }
  const format = request.responseFormat;
  if (format !== undefined) {
    params.text = {
      format:
        format.type === 'text' ? { type: 'text' }
        : format.type === 'json' ? { type: 'json_object' }
        : {
            type: 'json_schema',
            name: format.name,
            schema: format.schema as Record<string, unknown>,
            strict: format.strict ?? true,
            ...(format.description === undefined ? {} : { description: format.description }),
          },
    };
  }
  ignored.fields(request, PROVIDER, ['stop', 'seed']);
  return { params: withProviderOptions(params, request, PROVIDER), ignored: ignored.items };
}
