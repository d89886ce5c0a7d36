/**
 * `chatResource`: a multi-turn chat on signals, for Angular components and services.
 * @module
 */
import { assertInInjectionContext, DestroyRef, inject, Injector, signal, type Signal } from '@angular/core';
import type { Subscription } from 'rxjs';
import type { ChatMessage, ChatRequest } from '../core/chat-request.ts';
import type { Snapshot } from '../core/delta.ts';
import { RxllmError } from '../core/errors.ts';
import { toAssistantMessage } from '../core/to-assistant-message.ts';
import { accumulate } from '../operators/accumulate.ts';
import type { ChatTransport } from './chat-transport.ts';

/**
 * Where a chat (or a {@link deltaResource}) is:
 * - `idle`: nothing sent yet;
 * - `waiting`: a request is out, no delta has arrived yet;
 * - `streaming`: deltas are arriving;
 * - `done`: the answer completed;
 * - `error`: the stream failed (`error()` says why; the partial answer stays readable);
 * - `cancelled`: `cancel()`, a new `send`, or the params changed, stopped it (the partial answer stays readable).
 */
export type ChatStatus = 'idle' | 'waiting' | 'streaming' | 'done' | 'error' | 'cancelled';

/** Options of {@link chatResource}. */
export interface ChatResourceOptions {
  /** Sends one request and streams the answer: {@link httpClientTransport}, or any `(request, signal) => Observable<Delta>`. */
  readonly transport: ChatTransport;
  /** The system prompt of every request made from a prompt string. */
  readonly system?: string;
  /** Settings of every request made from a prompt string (tools, temperature, maxTokens, …). */
  readonly request?: Omit<ChatRequest, 'messages' | 'system'>;
  /** The conversation to continue (default: empty). */
  readonly messages?: readonly ChatMessage[];
  /** The injector whose destruction tears the chat down; default: the current injection context. */
  readonly injector?: Injector;
}

/** A chat on signals: see {@link chatResource}. */
export interface ChatResource {
  /** Where the current answer is: `idle`, `waiting`, `streaming`, `done`, `error`, `cancelled`. */
  readonly status: Signal<ChatStatus>;
  /**
   * The current answer so far (what `accumulate()` emitted last): a new, never mutated object per
   * delta, so `OnPush` components and `computed`s see every change. Kept after an error or a
   * cancel (the partial answer); `undefined` until the first delta of an answer.
   */
  readonly snapshot: Signal<Snapshot | undefined>;
  /**
   * The conversation: the user turns and, for each finished (or stopped, non-empty) answer, its
   * assistant turn made by `toAssistantMessage`. The array is replaced, never mutated.
   */
  readonly messages: Signal<readonly ChatMessage[]>;
  /** Why the last answer failed (a typed `RxllmError`, `partial` set), or `undefined`. */
  readonly error: Signal<Error | undefined>;
  /** True while `waiting` or `streaming`. */
  readonly isStreaming: Signal<boolean>;
  /**
   * Asks: a prompt string becomes a user turn appended to `messages()` (with the options'
   * `system` and `request` settings); a `ChatRequest` is sent as it is and its `messages` become
   * the conversation. A stream still running is cancelled first (its request aborted).
   * @throws RxllmError once the chat's injector was destroyed.
   */
  send(input: string | ChatRequest): void;
  /** Stops the running answer (its request is aborted); status `cancelled`, the partial answer kept. No-op when nothing runs. */
  cancel(): void;
}

/**
 * A multi-turn chat exposed as signals: `send` a prompt, read the answer as it streams.
 *
 * <span class="informal">`transport(request).pipe(accumulate())`, one subscription per answer,
 * with its state in signals.</span>
 *
 * Lazy: nothing is sent before the first `send`. Each `send` subscribes to
 * `transport(request, signal)` and sets `status` to `waiting`, then `streaming` on the first
 * delta; `snapshot` follows every delta.
 * On complete: status `done`, the answer appended to `messages` as an assistant turn.
 * On error: status `error`, `error` set; `snapshot` keeps what had arrived (the error's
 * `partial` when the transport reported more), and a non-empty partial answer is appended to
 * `messages` (cut-off tool calls left out) so the conversation can go on.
 * On `cancel`, a new `send` while streaming, or the injector's destruction (`DestroyRef`): the
 * subscription ends, so the request is aborted; status `cancelled` (not after destruction), the
 * partial kept as on error.
 *
 * @example
 * ```ts
 * @Component({ template: `<p>{{ chat.snapshot()?.text }}</p> <button (click)="chat.cancel()">Cancel</button>` })
 * class ChatPage {
 *   readonly chat = chatResource({
 *     transport: injectHttpClientTransport({ url: '/v1/chat/completions', model: 'gpt-5-mini' }),
 *     system: 'Answer briefly.',
 *   });
 *   ask(prompt: string) { this.chat.send(prompt); }
 * }
 * ```
 *
 * @see {@link deltaResource} for an `Observable<Delta>` pipeline of your own as an Angular `Resource`.
 * @param options `transport`, and optionally `system`, `request` settings, `messages`, `injector`.
 * @return The chat: `send`, `cancel`, and the `status`, `snapshot`, `messages`, `error`, `isStreaming` signals.
 */
export function chatResource(options: ChatResourceOptions): ChatResource {
  if (options.injector === undefined) assertInInjectionContext(chatResource);
  const injector = options.injector ?? inject(Injector);
  const status = signal<ChatStatus>('idle');
  const snapshot = signal<Snapshot | undefined>(undefined);
  const messages = signal<readonly ChatMessage[]>(options.messages ?? []);
  const error = signal<Error | undefined>(undefined);
  const isStreaming = signal(false);
  let running: { subscription: Subscription; controller: AbortController; last: Snapshot | undefined } | undefined;
  let destroyed = false;

  /** Ends the running answer (if any) and records its partial answer. */
  const stop = (next: ChatStatus | undefined) => {
    const run = running;
    if (run === undefined) return;
    running = undefined;
    run.subscription?.unsubscribe(); // undefined while a synchronous transport is still subscribing
    run.controller.abort();
    isStreaming.set(false);
    if (next !== undefined) {
      status.set(next);
      appendAnswer(run.last);
    }
  };
  const appendAnswer = (answer: Snapshot | undefined) => {
    if (answer === undefined) return;
    const message = toAssistantMessage(answer);
    if (message.content.length !== 0) messages.update((list) => [...list, message]);
  };

  injector.get(DestroyRef).onDestroy(() => {
    destroyed = true;
    stop(undefined);
  });

  const send = (input: string | ChatRequest) => {
    if (destroyed) {
      throw new RxllmError('chatResource: send() after the injector was destroyed; create the chat in a live injection context.');
    }
    stop('cancelled');
    const request: ChatRequest =
      typeof input === 'string'
        ? {
            ...options.request,
            ...(options.system === undefined ? {} : { system: options.system }),
            messages: [...messages(), { role: 'user', content: input }],
          }
        : input;
    messages.set(request.messages);
    snapshot.set(undefined);
    error.set(undefined);
    status.set('waiting');
    isStreaming.set(true);
    const controller = new AbortController();
    const run: NonNullable<typeof running> = { subscription: undefined!, controller, last: undefined };
    running = run;
    run.subscription = options.transport(request, controller.signal).pipe(accumulate()).subscribe({
      next(value) {
        run.last = Object.freeze(value);
        snapshot.set(run.last);
        if (status() === 'waiting') status.set('streaming');
      },
      error(failure: unknown) {
        if (running !== run) return;
        running = undefined;
        const typed = failure instanceof Error ? failure : new RxllmError(`chatResource: the transport failed with ${String(failure)}`, { cause: failure });
        const partial = typed instanceof RxllmError ? typed.partial : undefined;
        if (partial !== undefined && partial.deltaCount > (run.last?.deltaCount ?? 0)) snapshot.set((run.last = Object.freeze(partial)));
        error.set(typed);
        isStreaming.set(false);
        status.set('error');
        appendAnswer(run.last);
      },
      complete() {
        if (running !== run) return;
        running = undefined;
        isStreaming.set(false);
        status.set('done');
        appendAnswer(run.last);
      },
    });
  };

  return {
    status: status.asReadonly(),
    snapshot: snapshot.asReadonly(),
    messages: messages.asReadonly(),
    error: error.asReadonly(),
    isStreaming: isStreaming.asReadonly(),
    send,
    cancel: () => stop('cancelled'),
  };
}
