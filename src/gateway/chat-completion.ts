/**
 * The non-streaming answer of `rxllm serve`: a response's final snapshot as one OpenAI
 * `chat.completion` object. Pure.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 * @internal
 */
import type { Observable, Subscription } from 'rxjs';
import type { Delta, Snapshot } from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';
import { errorStatus } from '../sse/frames.ts';
import { upstreamErrorHeaders } from '../sse/headers.ts';
import { toOpenAIFinishReason } from '../providers/openai/finish-reason.ts';
import { toOpenAIUsage } from '../providers/openai/usage.ts';
import type { ChatCompletionUsage } from '../sse/wire.ts';

/** One `chat.completion` object with a single choice. */
export interface ChatCompletion {
  readonly id: string;
  readonly object: 'chat.completion';
  /** Unix time in seconds. */
  readonly created: number;
  readonly model: string;
  readonly choices: readonly [ChatCompletionChoice];
  readonly usage: ChatCompletionUsage;
}

/** The one choice: the assistant message and why it ended. */
export interface ChatCompletionChoice {
  readonly index: 0;
  readonly message: {
    readonly role: 'assistant';
    /** The answer's text; `null` when the answer is only tool calls. */
    readonly content: string | null;
    /** The refusal text (OpenAI `message.refusal`), or null. */
    readonly refusal: string | null;
    /** The reasoning (the DeepSeek / vLLM field, as the streamed chunks carry it), when there was any. */
    readonly reasoning_content?: string;
    readonly tool_calls?: readonly { readonly id: string; readonly type: 'function'; readonly function: { readonly name: string; readonly arguments: string } }[];
  };
  readonly logprobs: null;
  readonly finish_reason: string;
}

/**
 * The `chat.completion` for a finished response: `content` = the text (`null` when empty and
 * there are tool calls), `reasoning_content` when any reasoning arrived, `tool_calls` with each
 * call's raw arguments text, `finish_reason` mapped as the streamed chunks map it (`stop` when
 * the snapshot has none), and `usage` (counts the provider did not report are 0).
 *
 * @param snapshot The response's last snapshot.
 * @param model The `model` to report (the request's).
 * @param id The completion id (`chatcmpl-…`).
 * @param created Unix time in seconds.
 */
export function toChatCompletion(snapshot: Snapshot, model: string, id: string, created: number): ChatCompletion {
  const calls = snapshot.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.argsText } }));
  const message: { -readonly [K in keyof ChatCompletionChoice['message']]: ChatCompletionChoice['message'][K] } = {
    role: 'assistant',
    content: snapshot.text === '' && (calls.length > 0 || (snapshot.refusal ?? '') !== '') ? null : snapshot.text,
    refusal: snapshot.refusal ?? null,
  };
  if (snapshot.reasoning !== '') message.reasoning_content = snapshot.reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  const finish = toOpenAIFinishReason({
    type: 'finish',
    reason: snapshot.finishReason ?? 'stop',
    ...(snapshot.finishRaw === undefined ? {} : { raw: snapshot.finishRaw }),
  });
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: toOpenAIUsage(snapshot.usage ?? {}),
  };
}

/**
 * Answers a non-streaming request: collects `deltas` into one `chat.completion` (status 200), or
 * on an error sends the error body with its status and the upstream's `retry-after` /
 * `x-request-id`. `send` writes the answer (the node:http or Web handler's own way); the returned
 * subscription is unsubscribed when the client leaves. @internal
 */
export function answerWhole(
  deltas: Observable<Delta>,
  model: string,
  formatError: (error: unknown) => unknown,
  send: (status: number, body: unknown, headers: Readonly<Record<string, string>>) => void,
): Subscription {
  const builder = new SnapshotBuilder();
  const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  return deltas.subscribe({
    next: (delta) => builder.apply(delta),
    error: (error: unknown) => send(errorStatus(error), formatError(error), upstreamErrorHeaders(error)),
    complete: () => send(200, toChatCompletion(builder.snapshot(), model, id, created), {}),
  });
}
