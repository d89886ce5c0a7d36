/**
 * An EventEmitter bridge: prompts come in as events, answers go out as events. Each prompt
 * streams concurrently (`mergeMap`); a `cancel` event for its id stops it (the request aborted).
 *
 *   emitter.emit('prompt', { id: 'a', text: 'Hi' })  →  'text' { id, text } … 'answer' { id, snapshot }
 *                                                     or 'failed' { id, error, partial }
 *
 * Run: `OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=x node examples/node/event-emitter.ts`
 * (against `rxllm serve --provider replay`); test/examples-node.test.ts runs it on recorded streams.
 */
import { EventEmitter } from 'node:events';
import { catchError, EMPTY, filter, fromEvent, ignoreElements, mergeMap, takeUntil, tap, type Observable, type Subscription } from 'rxjs';
import { accumulate, RxllmError, type Delta, type Snapshot } from '../../src/index.ts';

export interface Prompt {
  readonly id: string;
  readonly text: string;
}

/** Answers every `prompt` event of `emitter` with `ask(text)`, until the subscription ends. */
export function answerPrompts(emitter: EventEmitter, ask: (text: string) => Observable<Delta>): Subscription {
  const cancelled = (id: string) => fromEvent(emitter, 'cancel').pipe(filter((cancelId) => cancelId === id));
  return fromEvent(emitter, 'prompt')
    .pipe(
      mergeMap((event) => {
        const { id, text } = event as Prompt;
        let latest: Snapshot | undefined;
        return ask(text).pipe(
          takeUntil(cancelled(id)), // unsubscribes the source: the HTTP request is aborted
          accumulate(),
          tap({
            next(snapshot) {
              const before = latest?.text ?? '';
              latest = snapshot; // first: a listener may cancel while 'text' is being emitted
              if (snapshot.text.length > before.length) emitter.emit('text', { id, text: snapshot.text.slice(before.length) });
            },
            complete: () => emitter.emit(latest?.finishReason !== undefined ? 'answer' : 'cancelled', { id, snapshot: latest }),
          }),
          ignoreElements(),
          catchError((error: unknown) => {
            emitter.emit('failed', { id, error, partial: error instanceof RxllmError ? (error.partial ?? latest) : latest });
            return EMPTY;
          }),
        );
      }),
    )
    .subscribe();
}

if (import.meta.main) {
  const { default: OpenAI } = await import('openai');
  const { fromOpenAI } = await import('../../src/providers/openai/index.ts');
  const client = new OpenAI();
  const emitter = new EventEmitter();
  const subscription = answerPrompts(emitter, (text) => fromOpenAI(client, { model: process.env.MODEL ?? 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: text }] }));
  emitter.on('text', ({ text }: { text: string }) => process.stdout.write(text));
  emitter.on('answer', () => (process.stdout.write('\n'), subscription.unsubscribe()));
  emitter.on('failed', ({ error }: { error: Error }) => (console.error(`\n${error.name}: ${error.message}`), subscription.unsubscribe()));
  emitter.emit('prompt', { id: '1', text: process.argv[2] ?? 'What is the weather in Paris?' });
}
