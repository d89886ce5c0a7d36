/**
 * `toAgUiEvents`: deltas → AG-UI protocol events.
 * @module
 */
import type {
  EventType,
  ReasoningEncryptedValueEvent,
  ReasoningEndEvent,
  ReasoningMessageContentEvent,
  ReasoningMessageEndEvent,
  ReasoningMessageStartEvent,
  ReasoningStartEvent,
  RunErrorEvent,
  RunFinishedEvent,
  RunStartedEvent,
  TextMessageContentEvent,
  TextMessageEndEvent,
  TextMessageStartEvent,
  TokenUsage,
  ToolCallArgsEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
} from '@ag-ui/core';
import { Observable, type OperatorFunction } from 'rxjs';
import type { Delta, FinishReason, Usage } from '../core/delta.ts';

/** The AG-UI events {@link toAgUiEvents} emits (types from `@ag-ui/core`). */
export type AgUiEvent =
  | RunStartedEvent
  | RunFinishedEvent
  | RunErrorEvent
  | TextMessageStartEvent
  | TextMessageContentEvent
  | TextMessageEndEvent
  | ReasoningStartEvent
  | ReasoningMessageStartEvent
  | ReasoningMessageContentEvent
  | ReasoningMessageEndEvent
  | ReasoningEndEvent
  | ReasoningEncryptedValueEvent
  | ToolCallStartEvent
  | ToolCallArgsEvent
  | ToolCallEndEvent;

/** Options of {@link toAgUiEvents}. */
export interface ToAgUiEventsOptions {
  /** The conversation the run belongs to (`RunAgentInput.threadId`). */
  readonly threadId: string;
  /** This run (`RunAgentInput.runId`). */
  readonly runId: string;
  /** The id of the assistant message the text goes into; default `<runId>-message` (later text segments: `-2`, `-3`, …). */
  readonly messageId?: string;
  /** Stamps every event with `timestamp` (ms since the epoch), e.g. `Date.now`. Default: no timestamps. */
  readonly timestamp?: () => number;
}

/**
 * Turns a stream of deltas into the events of one AG-UI run, so an AG-UI frontend (CopilotKit,
 * `@ag-ui/client`, an Angular app on it) can render any rxllm source.
 *
 * <span class="informal">One response becomes one run: started, messages streamed, finished or errored.</span>
 *
 * ```
 * deltas:  -m--r--r--t--t--s--a--e--f-u-|
 * events:  R-m--rR-c--rE-T-c--c--K-A-E--F|     R RUN_STARTED, r REASONING_* open/close, c content,
 *                                              T/E TEXT_MESSAGE_START/END, K/A/E TOOL_CALL_START/ARGS/END, F RUN_FINISHED
 * ```
 *
 * - subscribe: `RUN_STARTED` (`threadId`, `runId`), then the source is subscribed;
 * - `reasoning` → `REASONING_START`, `REASONING_MESSAGE_START` (role `reasoning`), one
 *   `REASONING_MESSAGE_CONTENT` per fragment, closed by `REASONING_MESSAGE_END` and
 *   `REASONING_END` when anything else comes; a signature or a redacted block →
 *   `REASONING_ENCRYPTED_VALUE` (subtype `message`, the reasoning message's id);
 * - `text` → `TEXT_MESSAGE_START` (role `assistant`), `TEXT_MESSAGE_CONTENT` per fragment,
 *   `TEXT_MESSAGE_END` when reasoning or a tool call comes, or at the end;
 * - `tool-call-start` / `tool-call-delta` / `tool-call-end` → `TOOL_CALL_START` (`toolCallId`
 *   the provider's call id, `toolCallName`, `parentMessageId` the text message when there was
 *   one) / `TOOL_CALL_ARGS` / `TOOL_CALL_END`;
 * - `metadata`, `usage`, `finish` are kept for the end: `RUN_FINISHED` carries `outcome`
 *   `success`, `result: { finishReason }` and `usage` (provider, model, token counts).
 * Empty fragments give no content events (AG-UI requires a non-empty `delta`).
 * On complete: open messages are closed, then `RUN_FINISHED`, then complete.
 * On error: open messages are closed, then `RUN_ERROR` (`message`; `code` the error's `code`
 * or name; the usage so far), then complete: the error is delivered as data, as AG-UI wants.
 * On unsubscribe: the source is unsubscribed (its request aborted); no further events.
 *
 * @example
 * ```ts
 * stream(openai, request).pipe(toAgUiEvents({ threadId: input.threadId, runId: input.runId }))
 *   .subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
 * ```
 *
 * @see https://docs.ag-ui.com/concepts/events
 * @param options `threadId`, `runId` (required), `messageId`, `timestamp`.
 * @return A function that returns an Observable of AG-UI events, ending with `RUN_FINISHED` or `RUN_ERROR`.
 */
export function toAgUiEvents(options: ToAgUiEventsOptions): OperatorFunction<Delta, AgUiEvent> {
  const { threadId, runId } = options;
  const baseMessageId = options.messageId ?? `${runId}-message`;
  return (source) =>
    new Observable<AgUiEvent>((subscriber) => {
      const stamp = options.timestamp;
      const emit = (event: AgUiEvent) => subscriber.next(stamp === undefined ? event : { ...event, timestamp: stamp() });
      let textSegments = 0;
      let reasoningSegments = 0;
      let textId: string | undefined; // the open text message
      let lastTextId: string | undefined;
      let reasoningId: string | undefined; // the open reasoning message
      let lastReasoningId: string | undefined;
      const callIds = new Map<number, string>();
      let provider: string | undefined;
      let model: string | undefined;
      let usage: Usage | undefined;
      let finishReason: FinishReason | undefined;

      const closeText = () => {
        if (textId === undefined) return;
        emit({ type: type('TEXT_MESSAGE_END'), messageId: textId });
        textId = undefined;
      };
      const closeReasoning = () => {
        if (reasoningId === undefined) return;
        emit({ type: type('REASONING_MESSAGE_END'), messageId: reasoningId });
        emit({ type: type('REASONING_END'), messageId: reasoningId });
        reasoningId = undefined;
      };
      const openReasoning = (): string => {
        if (reasoningId !== undefined) return reasoningId;
        closeText();
        reasoningId = lastReasoningId = `${runId}-reasoning${++reasoningSegments === 1 ? '' : `-${reasoningSegments}`}`;
        emit({ type: type('REASONING_START'), messageId: reasoningId });
        emit({ type: type('REASONING_MESSAGE_START'), messageId: reasoningId, role: 'reasoning' });
        return reasoningId;
      };
      const usageList = (): TokenUsage[] | undefined => {
        if (usage === undefined) return undefined;
        const entry: TokenUsage = { ...(provider === undefined ? {} : { provider }), ...(model === undefined ? {} : { model }), ...usage };
        if (usage.inputTokens !== undefined && usage.outputTokens !== undefined) entry.totalTokens = usage.inputTokens + usage.outputTokens;
        return [entry];
      };

      emit({ type: type('RUN_STARTED'), threadId, runId });
      if (subscriber.closed) return undefined;
      const subscription = source.subscribe({
        next(delta) {
          switch (delta.type) {
            case 'metadata':
              provider = delta.provider;
              model = delta.model ?? model;
              return;
            case 'reasoning': {
              if (delta.redacted === true || delta.text === '') {
                const entityId = delta.redacted === true ? openReasoning() : (reasoningId ?? lastReasoningId ?? openReasoning());
                const value = delta.redacted === true ? delta.text : delta.signature;
                if (value !== undefined && value !== '') emit({ type: type('REASONING_ENCRYPTED_VALUE'), subtype: 'message', entityId, encryptedValue: value });
                return;
              }
              const messageId = openReasoning();
              emit({ type: type('REASONING_MESSAGE_CONTENT'), messageId, delta: delta.text });
              if (delta.signature !== undefined) emit({ type: type('REASONING_ENCRYPTED_VALUE'), subtype: 'message', entityId: messageId, encryptedValue: delta.signature });
              return;
            }
            case 'text': {
              if (delta.text === '') return;
              if (textId === undefined) {
                closeReasoning();
                textId = lastTextId = ++textSegments === 1 ? baseMessageId : `${baseMessageId}-${textSegments}`;
                emit({ type: type('TEXT_MESSAGE_START'), messageId: textId, role: 'assistant' });
              }
              emit({ type: type('TEXT_MESSAGE_CONTENT'), messageId: textId, delta: delta.text });
              return;
            }
            case 'tool-call-start': {
              closeReasoning();
              closeText();
              const toolCallId = delta.id !== '' ? delta.id : `${runId}-call-${delta.index}`;
              callIds.set(delta.index, toolCallId);
              emit({
                type: type('TOOL_CALL_START'),
                toolCallId,
                toolCallName: delta.name,
                ...(lastTextId === undefined ? {} : { parentMessageId: lastTextId }),
              });
              return;
            }
            case 'tool-call-delta': {
              if (delta.argsText === '') return;
              emit({ type: type('TOOL_CALL_ARGS'), toolCallId: callIds.get(delta.index) ?? `${runId}-call-${delta.index}`, delta: delta.argsText });
              return;
            }
            case 'tool-call-end':
              emit({ type: type('TOOL_CALL_END'), toolCallId: callIds.get(delta.index) ?? `${runId}-call-${delta.index}` });
              return;
            case 'usage': {
              const { type: _type, ...counts } = delta;
              usage = { ...usage, ...counts };
              return;
            }
            case 'finish':
              finishReason = delta.reason;
              return;
          }
        },
        error(error: unknown) {
          closeReasoning();
          closeText();
          const code = errorCode(error);
          const list = usageList();
          emit({
            type: type('RUN_ERROR'),
            message: error instanceof Error ? error.message : String(error),
            ...(code === undefined ? {} : { code }),
            ...(list === undefined ? {} : { usage: list }),
          });
          subscriber.complete();
        },
        complete() {
          closeReasoning();
          closeText();
          const list = usageList();
          emit({
            type: type('RUN_FINISHED'),
            threadId,
            runId,
            outcome: { type: 'success' },
            ...(finishReason === undefined ? {} : { result: { finishReason } }),
            ...(list === undefined ? {} : { usage: list }),
          });
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        callIds.clear();
      };
    });
}

/** The `code` of a typed error (`ProviderError.code`), else its class name. */
function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : error.name;
}

/** An AG-UI event type: `@ag-ui/core`'s `EventType` is a string enum, used here as types only (no runtime import). */
function type<T extends keyof typeof EventType>(name: T): (typeof EventType)[T] {
  return name as unknown as (typeof EventType)[T];
}

