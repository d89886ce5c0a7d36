import { Observable, type OperatorFunction } from 'rxjs';
import { toOpenAIFinishReason } from '../providers/openai/finish-reason.ts';
import { toOpenAIUsage } from '../providers/openai/usage.ts';
import type { Delta, TokenLogprob, Usage } from '../core/delta.ts';
import { operate } from '../core/operate.ts';
import type { ChatCompletionChunk, ChatCompletionChunkDelta, ChatCompletionLogprobs } from './wire.ts';

/** Options of {@link toChatCompletionChunks}. */
export interface ChatCompletionChunksOptions {
  /** The completion id on every chunk. Default: `chatcmpl-<random uuid>`, new per subscription. */
  readonly id?: string;
  /** The model name on every chunk (usually the request's `model`). */
  readonly model: string;
  /** Unix time in seconds on every chunk. Default: the time of subscription. */
  readonly created?: number;
  /**
   * The request's `stream_options.include_usage`: when true every chunk carries `usage: null` and
   * a final chunk with empty `choices` carries the counts. Default false (no usage on the wire).
   */
  readonly includeUsage?: boolean;
}

/**
 * Turns deltas into OpenAI `chat.completion.chunk` objects, as OpenAI streams them.
 *
 * <span class="informal">The inverse of an OpenAI source: what an OpenAI-compatible server
 * sends, ready for `toServerSentEvents`.</span>
 *
 * ```
 * source:                --m--t--s--d--f--u--|     m = metadata, t = text, s/d = tool call start/args,
 * toChatCompletionChunks:-----T--S--D--F-----(U|)  f = finish, u = usage; U = usage chunk
 * ```
 *
 * The first chunk carries `role: 'assistant'`, `content` (the text, or `null` when the answer
 * starts with a tool call, reasoning or a refusal) and `refusal: null` (the refusal when the
 * answer starts with one), as OpenAI's first chunk; `metadata` sends nothing. `text` →
 * `delta.content`; `refusal` → `delta.refusal`; a delta's `logprobs` → the choice's
 * `logprobs.content` (`logprobs.refusal` for a refusal); `reasoning` →
 * `delta.reasoning_content` (the field DeepSeek, vLLM and xAI use; redacted blocks and signatures
 * have no place in this format and are not sent: a signature's own delta, with empty text, sends
 * no chunk); `tool-call-start` → `delta.tool_calls[]` with
 * `index`, `id`, `type: 'function'`, `function.name` and `arguments: ''`; `tool-call-delta` →
 * `function.arguments` fragments. Tool calls are numbered 0, 1, … in the order they start, whatever
 * the source's `index`. `tool-call-end` and later `metadata` deltas send nothing. `finish` → a chunk
 * with an empty delta and `finish_reason`: `stop`, `length`, `tool-calls` → `tool_calls`,
 * `content-filter` → `content_filter`, `error` → `error`, `other` → the provider's raw value (or
 * `other`). `usage` deltas are merged (later values win) and sent in a last chunk with empty
 * `choices`, only when `includeUsage` and only if the source reported usage. `reset` → rxllm's
 * extension chunk `{ "choices": [], "rxllm_reset": { "reason": … } }` (OpenAI clients ignore
 * it; `fromSSE` reads it back as a `reset` delta), after which the answer starts afresh.
 *
 * On complete: emits the usage chunk (see above), then completes. On error: passes the error on
 * (`toServerSentEvents` turns it into an error event). On unsubscribe: unsubscribes the source.
 *
 * @example
 * ```ts
 * deltas$.pipe(toChatCompletionChunks({ model: body.model, includeUsage: body.stream_options?.include_usage }), toServerSentEvents())
 * ```
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @param options `model`, and optionally `id`, `created` (s) and `includeUsage`.
 * @return A function that returns an Observable of `chat.completion.chunk` objects.
 */
export function toChatCompletionChunks(options: ChatCompletionChunksOptions): OperatorFunction<Delta, ChatCompletionChunk> {
  const { model } = options;
  const includeUsage = options.includeUsage === true;
  return (source) =>
    new Observable<ChatCompletionChunk>((subscriber) => {
      const id = options.id ?? newCompletionId();
      const created = options.created ?? Math.floor(Date.now() / 1000);
      let roleSent = false;
      /** Source tool-call index → OpenAI index, in start order. */
      let toolIndexes: Map<number, number> | null = null;
      let toolCount = 0;
      let usage: Usage | undefined;

      const emit = (delta: ChatCompletionChunkDelta, finishReason: string | null, logprobs: ChatCompletionLogprobs | null = null) => {
        const choices = [{ index: 0, delta, logprobs, finish_reason: finishReason }];
        subscriber.next(
          includeUsage
            ? { id, object: 'chat.completion.chunk', created, model, choices, usage: null }
            : { id, object: 'chat.completion.chunk', created, model, choices },
        );
      };
      const toolIndex = (index: number) => {
        toolIndexes ??= new Map();
        let at = toolIndexes.get(index);
        if (at === undefined) toolIndexes.set(index, (at = toolCount++));
        return at;
      };

      operate(source, subscriber, {
        next(delta) {
          switch (delta.type) {
            case 'metadata':
              return;
            case 'text':
              emit(
                roleSent ? { content: delta.text } : ((roleSent = true), { role: 'assistant', content: delta.text, refusal: null }),
                null,
                delta.logprobs === undefined ? null : contentLogprobs(delta.logprobs),
              );
              return;
            case 'refusal':
              emit(
                roleSent ? { refusal: delta.text } : ((roleSent = true), { role: 'assistant', content: null, refusal: delta.text }),
                null,
                delta.logprobs === undefined ? null : refusalLogprobs(delta.logprobs),
              );
              return;
            case 'reasoning':
              // a signature alone (empty text) has nothing to send
              if (delta.redacted || delta.text === '') return;
              emit(
                roleSent ? { reasoning_content: delta.text } : ((roleSent = true), { role: 'assistant', content: null, reasoning_content: delta.text, refusal: null }),
                null,
              );
              return;
            case 'tool-call-start': {
              // a reused index after its end starts a new call
              toolIndexes?.delete(delta.index);
              const call = { index: toolIndex(delta.index), id: delta.id, type: 'function' as const, function: { name: delta.name, arguments: '' } };
              emit(roleSent ? { tool_calls: [call] } : ((roleSent = true), { role: 'assistant', content: null, tool_calls: [call], refusal: null }), null);
              return;
            }
            case 'tool-call-delta': {
              const call = { index: toolIndex(delta.index), function: { arguments: delta.argsText } };
              emit(roleSent ? { tool_calls: [call] } : ((roleSent = true), { role: 'assistant', content: null, tool_calls: [call], refusal: null }), null);
              return;
            }
            case 'tool-call-end':
              return;
            case 'usage': {
              const { type: _type, ...counts } = delta;
              usage = usage === undefined ? counts : { ...usage, ...counts };
              return;
            }
            case 'reset':
              // rxllm's extension chunk; the answer starts afresh (role, tool-call numbering, usage)
              roleSent = false;
              toolIndexes = null;
              toolCount = 0;
              usage = undefined;
              subscriber.next(
                includeUsage
                  ? { id, object: 'chat.completion.chunk', created, model, choices: [], usage: null, rxllm_reset: { reason: delta.reason } }
                  : { id, object: 'chat.completion.chunk', created, model, choices: [], rxllm_reset: { reason: delta.reason } },
              );
              return;
            case 'finish':
              emit(roleSent ? {} : ((roleSent = true), { role: 'assistant', content: '', refusal: null }), toOpenAIFinishReason(delta));
              return;
            default:
              return;
          }
        },
        complete() {
          if (includeUsage && usage !== undefined) {
            subscriber.next({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: toOpenAIUsage(usage) });
          }
          subscriber.complete();
        },
      });
      return () => {
        toolIndexes = null;
        usage = undefined;
      };
    });
}

function contentLogprobs(logprobs: readonly TokenLogprob[]): ChatCompletionLogprobs {
  return { content: logprobs, refusal: null };
}

function refusalLogprobs(logprobs: readonly TokenLogprob[]): ChatCompletionLogprobs {
  return { content: null, refusal: logprobs };
}

function newCompletionId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return `chatcmpl-${c.randomUUID().replaceAll('-', '')}`;
  return `chatcmpl-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
