/**
 * The gateway as an AG-UI endpoint: `RunAgentInput` in, AG-UI events out as server-sent events.
 * @module
 */
import { toAgUiEvents } from '../ag-ui/toAgUiEvents.ts';
import { defaultErrorBody } from '../sse/frames.ts';
import { ChatCompletions, type ChatCompletionsConfig, DEFAULT_MAX_BODY_BYTES } from './chat-completions.ts';
import { InvalidRequestError } from './invalid-request.ts';
import { readJSONRequest } from './read-body.ts';

/** What the handler reads of AG-UI's `RunAgentInput` (a limited version of the schema, for what is used). */
interface RunAgentInputWire {
  readonly threadId?: unknown;
  readonly runId?: unknown;
  readonly messages?: unknown;
  readonly tools?: unknown;
  readonly forwardedProps?: { readonly model?: unknown } | null;
}

interface AgUiMessageWire {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly toolCalls?: readonly { readonly id: string; readonly function: { readonly name: string; readonly arguments: string } }[];
  readonly toolCallId?: unknown;
}

/**
 * An AG-UI agent endpoint over any provider adapter, next to the OpenAI-compatible one: an
 * AG-UI client (`@ag-ui/client`'s `HttpAgent`, CopilotKit) POSTs a `RunAgentInput`, and gets the
 * run's events (see `toAgUiEvents`) as `text/event-stream`, one JSON event per `data:` line.
 *
 * The input's messages become the Chat Completions request the gateway already serves (AG-UI
 * and OpenAI messages have the same shape: `developer`/`system`, `user`, `assistant` with
 * `toolCalls`, `tool` with `toolCallId`; `reasoning` and `activity` messages are left out); its
 * `tools` become function tools; the model is `forwardedProps.model`, or the first route's.
 * A bad input answers 400, an unknown model 404 (OpenAI-shaped JSON, before any event); a
 * provider failure after the run started is a `RUN_ERROR` event. The request's `signal` (the
 * client going away) unsubscribes, which aborts the upstream request.
 *
 * @example
 * ```ts
 * const agent = agUiHandler({ adapter: anthropicAdapter, model: 'claude-sonnet-4-6' });
 * export default { fetch: (request: Request) => new URL(request.url).pathname === '/agent' ? agent(request) : chat(request) };
 * ```
 * @param config As for `chatCompletionsHandler`: `adapter` + `client` + `model`, or `routes`; `operators`, `headers`, `onError`.
 * @return `(request) => Promise<Response>`.
 */
export function agUiHandler(config: ChatCompletionsConfig): (request: Request) => Promise<Response> {
  const gateway = new ChatCompletions(config);
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const headers = config.headers ?? {};
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { ...headers, 'content-type': 'application/json' } });
  return async (request) => {
    let prepared;
    let input: RunAgentInputWire;
    try {
      input = (await readJSONRequest(request, maxBodyBytes)) as RunAgentInputWire;
      prepared = gateway.prepare(chatBody(input, gateway.routes[0]!.model));
    } catch (error) {
      if (error instanceof InvalidRequestError) return json(error.status, error.toBody());
      config.onError?.(error, undefined);
      return json(500, defaultErrorBody(error));
    }
    const events = prepared.deltas.pipe(toAgUiEvents({ threadId: input.threadId as string, runId: input.runId as string }));
    const encoder = new TextEncoder();
    let stop: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const subscription = events.subscribe({
          next: (event) => {
            if (event.type === 'RUN_ERROR') config.onError?.(new Error(event.message), prepared.context);
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
          },
          complete: () => controller.close(),
        });
        stop = () => subscription.unsubscribe();
        request.signal.addEventListener('abort', stop, { once: true });
      },
      cancel: () => stop?.(),
    });
    return new Response(body, {
      status: 200,
      headers: { ...headers, ...prepared.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    });
  };
}

/** The Chat Completions body of an AG-UI `RunAgentInput`. @throws InvalidRequestError for a bad input. */
function chatBody(input: RunAgentInputWire, defaultModel: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object') throw new InvalidRequestError('The body must be an AG-UI RunAgentInput object.');
  for (const field of ['threadId', 'runId'] as const) {
    if (typeof input[field] !== 'string' || input[field] === '') throw new InvalidRequestError(`RunAgentInput.${field} must be a non-empty string.`, { param: field });
  }
  if (!Array.isArray(input.messages)) throw new InvalidRequestError('RunAgentInput.messages must be an array.', { param: 'messages' });
  const messages: Record<string, unknown>[] = [];
  for (const message of input.messages as AgUiMessageWire[]) {
    switch (message?.role) {
      case 'developer':
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({ role: 'user', content: typeof message.content === 'string' ? message.content : textOf(message.content) });
        break;
      case 'assistant':
        messages.push({
          role: 'assistant',
          content: typeof message.content === 'string' ? message.content : null,
          ...(message.toolCalls?.length ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: c.function })) } : {}),
        });
        break;
      case 'tool':
        messages.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
      default:
        break; // reasoning and activity messages are the UI's, not the model's
    }
  }
  const tools = Array.isArray(input.tools)
    ? (input.tools as { name: string; description?: string; parameters?: unknown }[]).map((t) => ({
        type: 'function',
        function: { name: t.name, ...(t.description === undefined ? {} : { description: t.description }), ...(t.parameters === undefined ? {} : { parameters: t.parameters }) },
      }))
    : [];
  const model = typeof input.forwardedProps?.model === 'string' ? input.forwardedProps.model : defaultModel;
  return { model, stream: true, stream_options: { include_usage: true }, messages, ...(tools.length === 0 ? {} : { tools }) };
}

/** The text parts of AG-UI multimodal user content, joined. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
