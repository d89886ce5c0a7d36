import { anthropicClients } from './anthropic.ts';
import type { ClientSpec } from './client.ts';
import { openaiClients } from './openai.ts';

/** Every benchmarked client, OpenAI format first, each format's reference first. */
export const clients: readonly ClientSpec[] = [...openaiClients, ...anthropicClients];

/** The client with this id, or an error naming the known ones. */
export function clientById(id: string): ClientSpec {
  const client = clients.find((c) => c.id === id);
  if (client === undefined) throw new Error(`unknown client ${id}; known: ${clients.map((c) => c.id).join(', ')}`);
  return client;
}
