/**
 * A {@link ChatRequest} as OpenAI Chat Completions params (also OpenAI-compatible servers). Pure.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @module
 */
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionContentPartText,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { ChatRequest, ToolChoice } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { effortOf, IgnoredList, imageURL, inlineData, unsupported, withProviderOptions } from '../../sources/translate.ts';
import type { OpenAIChatParams } from './from-openai.ts';

const PROVIDER = 'openai';

/**
 * The Chat Completions params (without `stream`) for `request`, sent to `model`:
 * - `system` → a leading `system` message; user text, images (`image_url`, bytes as a `data:`
 *   URL, `detail` kept) and base64 files (`file.file_data`) → content parts;
 * - assistant text → `content`, tool calls → `tool_calls` (`arguments` as given); reasoning parts
 *   of earlier turns are left out and reported (Chat Completions takes no reasoning input);
 * - tool results → `tool` messages (`tool_call_id`; text parts only);
 * - `tools`, `toolChoice`, `parallelToolCalls`, `maxTokens` (→ `max_completion_tokens`),
 *   `temperature`, `topP` (→ `top_p`), `stop`, `seed`; `reasoning` → `reasoning_effort` (a budget
 *   becomes the smallest effort that covers it); `responseFormat` → `response_format`
 *   (`json_object`, or `json_schema` with `strict` default true);
 * - `providerOptions.openai` merged last.
 *
 * @throws UnsupportedRequestError for a file given by URL (Chat Completions takes file bytes or ids).
 */
export function toOpenAIParams(request: ChatRequest, model: string): Translation<OpenAIChatParams> {
  const ignored = new IgnoredList();
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system !== undefined && request.system !== '') messages.push({ role: 'system', content: request.system });
  request.messages.forEach((message, at) => {
    const param = `messages[${at}]`;
    switch (message.role) {
      case 'user': {
        if (typeof message.content === 'string') {
          messages.push({ role: 'user', content: message.content });
          return;
        }
        const parts: ChatCompletionContentPart[] = [];
        message.content.forEach((part, j) => {
          if (part.type === 'text') parts.push({ type: 'text', text: part.text });
          else if (part.type === 'image') {
            const url = imageURL(part);
            if (url === undefined) throw unsupported(PROVIDER, `${param}.content[${j}]`, 'an image needs a url or base64 data');
            parts.push({ type: 'image_url', image_url: part.detail === undefined ? { url } : { url, detail: part.detail } });
          } else {
            const inline = inlineData(part);
            if (inline === undefined) throw unsupported(PROVIDER, `${param}.content[${j}]`, 'Chat Completions takes files as base64 data, not by URL');
            parts.push({
              type: 'file',
              file: { file_data: `data:${inline.mediaType ?? part.mediaType};base64,${inline.data}`, ...(part.filename === undefined ? {} : { filename: part.filename }) },
            });
          }
        });
        messages.push({ role: 'user', content: parts });
        return;
      }
      case 'assistant': {
        const out: ChatCompletionAssistantMessageParam = { role: 'assistant' };
        if (typeof message.content === 'string') {
          out.content = message.content;
        } else {
          let text: string | undefined;
          const calls: ChatCompletionMessageToolCall[] = [];
          message.content.forEach((part, j) => {
            if (part.type === 'text') text = (text ?? '') + part.text;
            else if (part.type === 'tool-call') calls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
            else ignored.add(`${param}.content[${j}]`, 'Chat Completions takes no reasoning of earlier turns');
          });
          out.content = text ?? null;
          if (calls.length > 0) out.tool_calls = calls;
        }
        messages.push(out);
        return;
      }
      case 'tool': {
        let content: string | ChatCompletionContentPartText[];
        if (typeof message.content === 'string') content = message.content;
        else {
          content = [];
          message.content.forEach((part, j) => {
            if (part.type === 'text') (content as ChatCompletionContentPartText[]).push({ type: 'text', text: part.text });
            else ignored.add(`${param}.content[${j}]`, 'Chat Completions tool results hold text only');
          });
        }
        messages.push({ role: 'tool', tool_call_id: message.toolCallId, content });
        return;
      }
    }
  });

  const params: { -readonly [K in keyof OpenAIChatParams]: OpenAIChatParams[K] } = { model, messages };
  if (request.tools !== undefined && request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      type: 'function' as const,
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        ...(tool.parameters === undefined ? {} : { parameters: tool.parameters as Record<string, unknown> }),
      },
    }));
  }
  if (request.toolChoice !== undefined) params.tool_choice = toolChoiceOf(request.toolChoice);
  if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  if (request.maxTokens !== undefined) params.max_completion_tokens = request.maxTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) params.stop = [...request.stop];
  if (request.seed !== undefined) params.seed = request.seed;
  if (request.reasoning !== undefined) {
    const effort = effortOf(request.reasoning);
    if (effort !== undefined) params.reasoning_effort = effort;
  }
  const format = request.responseFormat;
  if (format !== undefined) {
    if (format.type === 'text') params.response_format = { type: 'text' };
    else if (format.type === 'json') params.response_format = { type: 'json_object' };
    else {
      params.response_format = {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema as Record<string, unknown>,
          strict: format.strict ?? true,
          ...(format.description === undefined ? {} : { description: format.description }),
        },
      };
    }
  }
  return { params: withProviderOptions(params, request, PROVIDER), ignored: ignored.items };
}

function toolChoiceOf(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}
