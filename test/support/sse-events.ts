/**
 * Reading an SSE body in tests: its events, the text of OpenAI chunks, and a client that reads
 * the first events of a streamed answer and then drops the connection.
 */
import { expect } from 'vitest';

/** One SSE event as the test sees it. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly data: string;
}

/** The SSE events of a body, in order. */
export function sseEventsOf(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => ({ id: /^id: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)![1]! }));
}

/** The answer text of OpenAI `chat.completion.chunk` events (error events and `[DONE]` skipped). */
export function chunkText(list: readonly SseEvent[]): string {
  return list
    .filter((e) => e.data !== '[DONE]' && !e.data.includes('"error"'))
    .map((e) => (JSON.parse(e.data) as { choices: { delta: { content?: string | null } }[] }).choices[0]?.delta.content ?? '')
    .join('');
}

/** POSTs `body` to `url`, reads the first `k` events, then drops the connection (a client lost mid-answer). */
export async function readThenCut(url: string, body: string, k: number): Promise<{ id: string; seen: SseEvent[] }> {
  const controller = new AbortController();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: controller.signal });
  expect(response.status).toBe(200);
  const id = response.headers.get('rxllm-stream-id')!;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (sseEventsOf(text).length < k) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return { id, seen: sseEventsOf(text).slice(0, k) };
}
