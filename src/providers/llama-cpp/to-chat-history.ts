/**
 * rxllm's neutral local-model request → the chat history node-llama-cpp takes. Pure.
 * @module
 */
import type { LlamaCppChatHistoryItem, LlamaCppFunction } from './wire.ts';

/** One turn of a conversation. */
export interface LlamaCppMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** A function the model may call, described by a JSON schema of its arguments. */
export interface LlamaCppTool {
  readonly name: string;
  readonly description?: string;
  /** A JSON schema of the arguments (an object schema; node-llama-cpp supports a GBNF-compatible subset). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** The request `fromLlamaCpp` answers: provider-neutral, plain data. */
export interface LlamaCppRequest {
  /** The system prompt (given to the model's chat template as a system message). */
  readonly system?: string;
  /** The conversation; the model answers the last message. A last `assistant` message is continued (prefill). */
  readonly messages: readonly LlamaCppMessage[];
  /** The most tokens to generate; the response then ends with finish reason `length`. */
  readonly maxTokens?: number;
  /** Sampling temperature; node-llama-cpp's default `0` is greedy (deterministic). */
  readonly temperature?: number;
  /** Seed of the random sampler (with `temperature` > 0). */
  readonly seed?: number;
  /** Functions the model may call; used where the model's chat wrapper supports function calling. */
  readonly tools?: readonly LlamaCppTool[];
}

/**
 * The chat history node-llama-cpp's `LlamaChat.generateResponse` takes for `request`: the system
 * prompt as a `system` item, user turns as `user` items, assistant turns as `model` items.
 *
 * @param request The system prompt and messages (other fields are ignored).
 * @return A new history array, one item per message (plus one for the system prompt).
 */
export function toLlamaChatHistory(request: Pick<LlamaCppRequest, 'system' | 'messages'>): LlamaCppChatHistoryItem[] {
  const history: LlamaCppChatHistoryItem[] = [];
  if (request.system !== undefined && request.system !== '') history.push({ type: 'system', text: request.system });
  for (const m of request.messages) {
    history.push(m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
  }
  return history;
}

/**
 * The `functions` option of `LlamaChat.generateResponse` for `tools`: one entry per tool name,
 * `params` the JSON schema. `undefined` when there are no tools.
 *
 * @param tools The request's tools.
 * @return node-llama-cpp's `ChatModelFunctions`, or `undefined`.
 */
export function toLlamaFunctions(tools: readonly LlamaCppTool[] | undefined): Record<string, LlamaCppFunction> | undefined {
  if (tools === undefined || tools.length === 0) return undefined;
  const functions: Record<string, LlamaCppFunction> = {};
  for (const t of tools) {
    functions[t.name] = {
      ...(t.description === undefined ? {} : { description: t.description }),
      ...(t.parameters === undefined ? {} : { params: t.parameters }),
    };
  }
  return functions;
}
