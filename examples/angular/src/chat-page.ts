import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { defer, tap } from 'rxjs';
import { chatResource, injectHttpClientTransport, type ChatTransport } from 'rxllm/angular';
import { GATEWAY } from './gateway.ts';

/** One chat page: the answer streams in, reasoning apart and collapsible, tool calls with their arguments, Cancel, stats. */
@Component({
  selector: 'chat-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>rxllm/angular</h1>
    <form (submit)="ask($event)">
      <input id="prompt" name="prompt" autocomplete="off" [value]="prompt()" (input)="prompt.set(field($event))" />
      <button id="send" type="submit">Send</button>
      <button id="cancel" type="button" (click)="chat.cancel()" [disabled]="!chat.isStreaming()">Cancel</button>
    </form>
    <p id="status" [attr.data-status]="chat.status()">
      <span class="badge {{ chat.status() }}">{{ chat.status() }}</span> <span id="stats">{{ stats() }}</span>
    </p>
    <p id="turns">{{ chat.messages().length }} {{ chat.messages().length === 1 ? 'message' : 'messages' }} in the conversation</p>
    @if (chat.snapshot(); as answer) {
      @if (answer.reasoning) {
        <details id="reasoning-box" open>
          <summary>Reasoning ({{ answer.reasoning.length }} characters)</summary>
          <div id="reasoning">{{ answer.reasoning }}</div>
        </details>
      }
      <div id="answer">{{ answer.text }}</div>
      @for (call of answer.toolCalls; track call.index) {
        <pre class="tool-call">{{ call.name }}({{ call.argsText }}){{ call.complete ? '' : ' …' }}</pre>
      }
    }
    @if (chat.error(); as error) {
      <p id="error"><strong>{{ error.name }}</strong>: {{ error.message }}</p>
    }
  `,
  styles: `
    :host { display: block; font: 15px/1.45 "DejaVu Sans", sans-serif; margin: 24px; color: #111; max-width: 760px; }
    h1 { font-size: 20px; margin: 0 0 12px; }
    form { display: flex; gap: 8px; }
    input { flex: 1; font: inherit; padding: 6px 8px; }
    button { font: inherit; padding: 6px 14px; }
    #status { color: #555; }
    .badge { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 10px; background: #eee; }
    .badge.streaming, .badge.waiting { background: #dbeafe; } .badge.done { background: #dcfce7; }
    .badge.error { background: #fee2e2; } .badge.cancelled { background: #fef9c3; }
    #turns { color: #888; font-size: 13px; }
    details { color: #666; border-left: 3px solid #ccc; padding-left: 8px; margin: 8px 0; }
    #reasoning { font-style: italic; white-space: pre-wrap; max-height: 160px; overflow: auto; }
    #answer { white-space: pre-wrap; font-size: 17px; margin-top: 12px; }
    #error { color: #b91c1c; }
  `,
})
export class ChatPage {
  private readonly gateway = inject(GATEWAY);
  private readonly http = injectHttpClientTransport(this.gateway);
  private readonly sentAt = signal<number | undefined>(undefined);
  private readonly firstAt = signal<number | undefined>(undefined);
  private readonly endAt = signal<number | undefined>(undefined);

  /** The HttpClient transport, timed: when the request went out, the first delta came, the stream ended. */
  private readonly timed: ChatTransport = (request, signal) =>
    defer(() => {
      this.sentAt.set(performance.now());
      this.firstAt.set(undefined);
      this.endAt.set(undefined);
      return this.http(request, signal).pipe(
        tap({
          next: () => {
            if (this.firstAt() === undefined) this.firstAt.set(performance.now());
          },
          finalize: () => this.endAt.set(performance.now()),
        }),
      );
    });

  readonly chat = chatResource({ transport: this.timed, system: 'Answer briefly.' });
  readonly prompt = signal('What is 1 + 1?');

  /** "first delta after 612 ms · 38 tokens/s": from the timings and the usage the server reported. */
  readonly stats = computed(() => {
    const sent = this.sentAt();
    const first = this.firstAt();
    if (sent === undefined) return '';
    if (first === undefined) return 'waiting for the first delta…';
    const parts = [`first delta after ${Math.round(first - sent)} ms`];
    const answer = this.chat.snapshot();
    const end = this.endAt() ?? performance.now();
    const tokens = answer?.usage?.outputTokens;
    if (tokens !== undefined && end > first) parts.push(`${Math.round((tokens * 1000) / (end - first))} tokens/s`);
    else if (answer !== undefined) parts.push(`${answer.text.length + answer.reasoning.length} characters`);
    return parts.join(' · ');
  });

  ask(event: Event): void {
    event.preventDefault();
    const text = this.prompt().trim();
    if (text !== '') this.chat.send(text);
  }

  field(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }
}
