/**
 * The README's `ChatRequest` example: one request shape, any provider, and a conversation that
 * continues on another provider with `toAssistantMessage`. Type-checked with the repo; run with
 * keys set: `ANTHROPIC_API_KEY=… GEMINI_API_KEY=… node examples/chat-request.ts`.
 */
import { lastValueFrom } from 'rxjs';
import { accumulate, stream, toAssistantMessage, type ChatMessage, type ChatRequest } from '../src/index.ts';
import { anthropicAdapter } from '../src/providers/anthropic/index.ts';
import { googleAdapter } from '../src/providers/google/index.ts';

export async function main(): Promise<void> {
  const weather = { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
  const messages: ChatMessage[] = [{ role: 'user', content: 'Weather in Paris?' }];
  const request: ChatRequest = { system: 'Be brief.', messages, tools: [weather], maxTokens: 2000, reasoning: { budgetTokens: 1024 } };

  const claude$ = stream({ adapter: anthropicAdapter, model: 'claude-sonnet-4-6' }, request); // client from ANTHROPIC_API_KEY
  console.error('left out for Anthropic:', claude$.ignored); // [] here; e.g. `seed` would be listed
  const first = await lastValueFrom(claude$.pipe(accumulate()));

  messages.push(toAssistantMessage(first)); // thinking (with its signature), text, tool calls with their ids
  for (const call of first.toolCalls) messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: '{"celsius":18}' });
  const second = await lastValueFrom(stream({ adapter: googleAdapter, model: 'gemini-2.5-flash' }, { ...request, messages }).pipe(accumulate()));
  console.log(second.text);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
