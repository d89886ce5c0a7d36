/**
 * The non-streaming JSON responses (`stream: false`) that match a recorded OpenAI stream, for
 * tests of the `stream: false` path: built by folding the recorded events as the API documents
 * the two shapes (no rxllm code involved).
 *
 * https://platform.openai.com/docs/api-reference/chat/object
 * https://platform.openai.com/docs/api-reference/responses/object
 */
import type { WireEvent } from '../../src/replay/wire.ts';

interface ChoiceAcc {
  content: string | null;
  refusal: string | null;
  reasoningField: 'reasoning_content' | 'reasoning' | undefined;
  reasoning: string;
  toolCalls: Map<number, { id: string; type: 'function'; function: { name: string; arguments: string } }>;
  finishReason: string | null;
}

/** The `chat.completion` object of a recorded Chat Completions stream (every choice, usage). */
export function chatCompletionFromEvents(events: readonly WireEvent[]): Record<string, unknown> {
  let head: { id?: string; created?: number; model?: string; system_fingerprint?: string } | undefined;
  let usage: unknown = null;
  const choices = new Map<number, ChoiceAcc>();
  for (const event of events as { event?: string; data?: any }[]) {
    if (event.event === 'error' || typeof event.data !== 'object' || event.data === null) continue;
    const chunk = event.data;
    head ??= chunk;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const index: number = choice.index ?? 0;
      let acc = choices.get(index);
      if (!acc) {
        acc = { content: null, refusal: null, reasoningField: undefined, reasoning: '', toolCalls: new Map(), finishReason: null };
        choices.set(index, acc);
      }
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string') acc.content = (acc.content ?? '') + delta.content;
      if (typeof delta.refusal === 'string') acc.refusal = (acc.refusal ?? '') + delta.refusal;
      for (const field of ['reasoning_content', 'reasoning'] as const) {
        if (typeof delta[field] === 'string' && delta[field] !== '') {
          acc.reasoningField ??= field;
          acc.reasoning += delta[field];
        }
      }
      for (const call of delta.tool_calls ?? []) {
        const known = acc.toolCalls.get(call.index);
        if (known) known.function.arguments += call.function?.arguments ?? '';
        else acc.toolCalls.set(call.index, { id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments ?? '' } });
      }
      if (choice.finish_reason) acc.finishReason = choice.finish_reason;
    }
  }
  return {
    id: head?.id,
    object: 'chat.completion',
    created: head?.created,
    model: head?.model,
    system_fingerprint: head?.system_fingerprint,
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, acc]) => ({
        index,
        message: {
          role: 'assistant',
          content: acc.content,
          refusal: acc.refusal,
          ...(acc.reasoningField ? { [acc.reasoningField]: acc.reasoning } : {}),
          ...(acc.toolCalls.size > 0 ? { tool_calls: [...acc.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c) } : {}),
        },
        logprobs: null,
        finish_reason: acc.finishReason,
      })),
    usage,
  };
}

/** The `response` object of a recorded Responses stream: the one its terminal event carries. */
export function responseFromEvents(events: readonly WireEvent[]): Record<string, unknown> {
  for (const event of events as { data?: any }[]) {
    const type = event.data?.type;
    if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') return event.data.response;
  }
  throw new Error('the recorded Responses stream has no terminal event carrying the response');
}
