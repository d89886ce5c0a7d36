/**
 * The README's pipeline, runnable: `OPENAI_API_KEY=… node examples/pipeline.ts` (any
 * OpenAI-compatible server through OPENAI_BASE_URL; MODEL picks the model).
 */
import OpenAI from 'openai';
import {
  bufferTokens,
  fallbackToNonStreaming,
  retryBeforeFirstDelta,
  splitReasoning,
  tapLifecycle,
  timeoutIdle,
} from '../src/index.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL }); // OpenAI, Groq, vLLM, Ollama, …
const params = { model: process.env.MODEL ?? 'deepseek-r1', messages: [{ role: 'user' as const, content: 'Why is the sky blue?' }] };

const answer$ = fromOpenAI(client, params).pipe(
  fallbackToNonStreaming(() => fromOpenAI(client, params, { stream: false })), // model can't stream? ask once
  retryBeforeFirstDelta({ count: 2 }), // 429 / 5xx / dropped connect: retry, never after content
  timeoutIdle({ first: 15_000, idle: 5_000 }), // IdleTimeoutError (with partial), request aborted
  splitReasoning(), // <think>…</think> → reasoning deltas, tags split anywhere
  bufferTokens({ maxDelay: 50, boundary: 'word' }), // fewer, whole-word text deltas for the UI
  tapLifecycle({ onComplete: (s) => console.error('\n', s.usage, s.finishReason) }),
);
answer$.subscribe((d) => d.type === 'text' && process.stdout.write(d.text));
