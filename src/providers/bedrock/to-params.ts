/**
 * A {@link ChatRequest} as a Bedrock Runtime Converse / ConverseStream input. Pure.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @module
 */
import type {
  ContentBlock,
  ConverseStreamCommandInput,
  DocumentFormat,
  ImageFormat,
  InferenceConfiguration,
  Message,
  Tool,
  ToolChoice as BedrockToolChoice,
  ToolResultContentBlock,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { ChatRequest, FilePart, ImagePart, ToolChoice } from '../../core/chat-request.ts';
import type { Translation } from '../../sources/provider-adapter.ts';
import { argumentsOf, budgetOf, EMPTY_SCHEMA, groupTurns, IgnoredList, inlineData, unsupported, withProviderOptions } from '../../sources/translate.ts';

/** Smithy's JSON document type, as the SDK's models name it. */
type DocumentType = NonNullable<ToolUseBlock['input']>;

const PROVIDER = 'bedrock';

/**
 * The ConverseStream input (Converse takes the same) for `request`, sent to the model id `model`:
 * - `system` → `system` text block; user text → `text` blocks, base64 images → `image` blocks
 *   (png, jpeg, gif, webp), base64 files → `document` blocks (pdf, csv, doc(x), xls(x), html,
 *   txt, md); empty text is left out (Converse refuses blank text blocks);
 * - assistant reasoning with its `signature` → `reasoningContent.reasoningText` (redacted →
 *   `redactedContent`), text → `text`, tool calls → `toolUse` (`input` = the parsed arguments);
 * - tool results → `toolResult` blocks (`status: 'error'` for `isError`) at the start of the user
 *   turn; consecutive turns of one speaker are one message (Converse requires the roles to
 *   alternate);
 * - `tools` → `toolConfig.tools[].toolSpec`; `toolChoice` `auto` / `required` / a name →
 *   `auto` / `any` / `tool`; `none` → the tools are not sent (Converse has no `none`);
 * - `maxTokens`, `temperature`, `topP`, `stop` → `inferenceConfig`; `reasoning` →
 *   `additionalModelRequestFields.thinking` (Anthropic models on Bedrock; an effort becomes its
 *   budget);
 * - `responseFormat` with a JSON Schema → a forced tool named after it (`toolChoice: { tool }`,
 *   as Bedrock's structured-output guide does for models without native JSON mode; the answer is
 *   that call's arguments, see `outputTool`), when the request has no tools of its own;
 * - `parallelToolCalls`, `seed` and `responseFormat` otherwise have no Converse field: left out and reported.
 *
 * @throws UnsupportedRequestError for images or files given by URL (Converse takes bytes or S3
 * locations) and tool call arguments that are not a JSON object.
 */
export function toBedrockInput(request: ChatRequest, model: string): Translation<ConverseStreamCommandInput> {
  const ignored = new IgnoredList();
  const messages: Message[] = [];
  for (const group of groupTurns(request.messages)) {
    const results: ContentBlock[] = [];
    const blocks: ContentBlock[] = [];
    for (const { message, at } of group.turns) {
      const param = `messages[${at}]`;
      switch (message.role) {
        case 'tool': {
          const content: ToolResultContentBlock[] =
            typeof message.content === 'string'
              ? [{ text: message.content }]
              : message.content.map((part, j) => (part.type === 'text' ? { text: part.text } : { image: imageBlock(part, `${param}.content[${j}]`) }));
          results.push({ toolResult: { toolUseId: message.toolCallId, content, ...(message.isError ? { status: 'error' as const } : {}) } });
          break;
        }
        case 'user':
          if (typeof message.content === 'string') {
            if (message.content.trim() !== '') blocks.push({ text: message.content });
            break;
          }
          message.content.forEach((part, j) => {
            if (part.type === 'text') {
              if (part.text.trim() !== '') blocks.push({ text: part.text });
            } else if (part.type === 'image') blocks.push({ image: imageBlock(part, `${param}.content[${j}]`) });
            else blocks.push({ document: documentBlock(part, `${param}.content[${j}]`, j) });
          });
          break;
        case 'assistant':
          if (typeof message.content === 'string') {
            if (message.content.trim() !== '') blocks.push({ text: message.content });
            break;
          }
          message.content.forEach((part, j) => {
            const at2 = `${param}.content[${j}]`;
            switch (part.type) {
              case 'text':
                if (part.text.trim() !== '') blocks.push({ text: part.text });
                break;
              case 'tool-call':
                blocks.push({ toolUse: { toolUseId: part.id, name: part.name, input: argumentsOf(part, at2, PROVIDER) as DocumentType } });
                break;
              case 'reasoning':
                if ('redacted' in part) blocks.push({ reasoningContent: { redactedContent: base64Bytes(part.data) } });
                else if (part.signature !== undefined) blocks.push({ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } });
                else ignored.add(at2, 'Bedrock takes earlier reasoning only with its signature');
                break;
            }
          });
          break;
      }
    }
    const content = results.length === 0 ? blocks : [...results, ...blocks];
    if (content.length > 0) messages.push({ role: group.speaker, content });
  }

  const input: ConverseStreamCommandInput = { modelId: model, messages };
  if (request.system !== undefined && request.system.trim() !== '') input.system = [{ text: request.system }];
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
  if (request.reasoning !== undefined) {
    const budget = budgetOf(request.reasoning);
    if (budget !== undefined) input.additionalModelRequestFields = { thinking: { type: 'enabled', budget_tokens: budget } };
  }
  const format = request.responseFormat;
  let outputTool: string | undefined;
  if (format?.type === 'json-schema' && (request.tools === undefined || request.tools.length === 0)) {
    outputTool = format.name;
    input.toolConfig = {
      tools: [{ toolSpec: { name: format.name, description: format.description ?? 'Answer with this JSON object.', inputSchema: { json: format.schema as DocumentType } } }],
      toolChoice: { tool: { name: format.name } },
    };
  } else if (format !== undefined && format.type !== 'text') ignored.add('responseFormat', 'Converse takes a JSON Schema answer as a forced tool, which needs a named schema and no other tools');
  ignored.fields(request, PROVIDER, ['parallelToolCalls', 'seed']);
  const params = withProviderOptions(input, request, PROVIDER);
  return outputTool === undefined ? { params, ignored: ignored.items } : { params, ignored: ignored.items, outputTool };
}

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };
const DOCUMENT_FORMATS: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

function imageBlock(part: ImagePart, param: string): NonNullable<ContentBlock['image']> {
  const inline = inlineData(part);
  if (inline === undefined) throw unsupported(PROVIDER, param, 'Converse takes images as bytes, not by URL');
  const format = IMAGE_FORMATS[inline.mediaType ?? ''];
  if (format === undefined) throw unsupported(PROVIDER, param, `Converse takes png, jpeg, gif and webp images, not ${inline.mediaType ?? 'an unknown type'}`);
  return { format, source: { bytes: base64Bytes(inline.data) } };
}

function documentBlock(part: FilePart, param: string, j: number): NonNullable<ContentBlock['document']> {
  const inline = inlineData(part);
  if (inline === undefined) throw unsupported(PROVIDER, param, 'Converse takes documents as bytes, not by URL');
  const format = DOCUMENT_FORMATS[part.mediaType];
  if (format === undefined) throw unsupported(PROVIDER, param, `Converse takes no ${part.mediaType} documents`);
  // Converse requires a name: letters, digits, spaces, hyphens, parentheses and brackets
  const name = (part.filename ?? `document-${j + 1}`).replace(/[^A-Za-z0-9 ()[\]-]/g, '-');
  return { format, name, source: { bytes: base64Bytes(inline.data) } };
}

function base64Bytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The request's `toolChoice` as Converse's `toolChoice`; `undefined` leaves the API's default (`auto`). */
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
