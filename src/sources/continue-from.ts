/**
 * `continueFrom()`: the request that continues a broken answer, on any provider.
 * @module
 */
import type { Observable } from 'rxjs';
import type { ChatMessage, ChatRequest } from '../core/chat-request.ts';
import type { Delta, Snapshot } from '../core/delta.ts';
import { joinContinuation } from '../core/join-continuation.ts';
import { stream, type StreamTarget } from './stream.ts';

/** Options of {@link continueFrom}. */
export interface ContinueFromOptions {
  /**
   * Send the text so far as a trailing assistant message that the model continues (assistant
   * prefill). Default: the adapter's `assistantPrefill` (Anthropic: true); otherwise the text so
   * far is sent as the assistant's turn followed by a user turn with `prompt`.
   */
  readonly prefill?: boolean;
  /** The user turn that asks for the rest, when not prefilling. */
  readonly prompt?: string;
  /**
   * A repeat of the answer's end at the start of the continuation is cut when it is at least this
   * many characters long (shorter matches are taken as coincidence), in characters. Default 8.
   */
  readonly minOverlap?: number;
}

/** The default continuation turn. */
export const CONTINUE_PROMPT =
  'Your previous answer was cut off. Continue exactly where you stopped, mid-word if need be: ' +
  'do not repeat anything already written and add no preamble.';

/**
 * The `continueWith` of `retryStream` and the continuation of `fallbackTo` for a
 * {@link ChatRequest}: given the answer so far, sends the request again with that text as the
 * start of the answer, and joins the continuation so the accumulated text reads as one answer.
 *
 * <span class="informal">The provider is asked for the rest of the text, not for the answer
 * again.</span>
 *
 * Where the provider continues a trailing assistant message (the adapter's `assistantPrefill`:
 * Anthropic), the request ends with an assistant message holding the text so far (trailing
 * whitespace cut, as Anthropic requires). Elsewhere, it ends with the text as the assistant's
 * turn and a user turn asking to continue exactly where it stopped (`prompt`). The
 * continuation's `metadata` is dropped; its start is held until it can no longer repeat the
 * answer's end, and a repeat (at least `minOverlap` characters, or only the whitespace the
 * prefill cut) is removed. Reasoning and tool calls of the answer so far are not sent:
 * `retryStream` and `fallbackTo` continue only text answers.
 *
 * @example
 * ```ts
 * const target = { adapter: anthropicAdapter, client, model: 'claude-sonnet-4-6' };
 * stream(target, request).pipe(retryStream({ mode: 'continue', continueWith: continueFrom(target, request) }));
 * ```
 *
 * @see {@link retryStream}
 * @see {@link fallbackTo}
 *
 * @param target Where the continuation is sent: `{ adapter, client?, model? }`.
 * @param request The request of the broken answer.
 * @param options `prefill`, `prompt`, `minOverlap` (characters).
 * @return A function of the answer so far that returns the cold continuation.
 */
export function continueFrom(target: StreamTarget, request: ChatRequest, options: ContinueFromOptions = {}): (partial: Snapshot) => Observable<Delta> {
  const { prefill = target.adapter.assistantPrefill === true, prompt = CONTINUE_PROMPT, minOverlap = 8 } = options;
  if (!(minOverlap >= 1)) throw new TypeError(`continueFrom: \`minOverlap\` must be 1 or more characters, got ${String(minOverlap)}.`);
  return (partial) => {
    const text = partial.text;
    const start = text.trimEnd();
    const messages: ChatMessage[] =
      prefill && start !== ''
        ? [...request.messages, { role: 'assistant', content: start }]
        : [...request.messages, { role: 'assistant', content: text }, { role: 'user', content: prompt }];
    return stream(target, { ...request, messages }).pipe(joinContinuation(text, minOverlap));
  };
}
