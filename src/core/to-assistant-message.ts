/**
 * `toAssistantMessage`: a finished answer as the assistant turn of the next request.
 * @module
 */
import type { AssistantContentPart, AssistantMessage } from './chat-request.ts';
import type { Snapshot } from './delta.ts';

/**
 * Turns a {@link Snapshot} (the last one of `accumulate()`) into the assistant turn of a
 * {@link ChatRequest}, so the conversation continues on any provider: reasoning first (with its
 * signature, which Anthropic and Bedrock require back and Gemini takes as `thoughtSignature`;
 * redacted blocks as they came), then the text, then each tool call with its id, name and
 * arguments text (`{}` when empty), in the order they started. Answer the calls with `tool`
 * messages carrying the same ids.
 *
 * A reasoning signature without reasoning text (Gemini sends signatures on the parts after the
 * thoughts, with no thought text unless `includeThoughts`) still rides on an empty reasoning
 * part, so no provider loses it.
 *
 * @param snapshot What `accumulate()` emitted last (a partial one works too: cut-off tool calls
 * are left out, since their arguments may not parse).
 * @return `{ role: 'assistant', content: [...] }`.
 */
export function toAssistantMessage(snapshot: Snapshot): AssistantMessage {
  const content: AssistantContentPart[] = [];
  if (snapshot.reasoning !== '' || snapshot.reasoningSignature !== undefined) {
    content.push(
      snapshot.reasoningSignature === undefined
        ? { type: 'reasoning', text: snapshot.reasoning }
        : { type: 'reasoning', text: snapshot.reasoning, signature: snapshot.reasoningSignature },
    );
  }
  for (const data of snapshot.redactedReasoning ?? []) content.push({ type: 'reasoning', redacted: true, data });
  if (snapshot.text !== '') content.push({ type: 'text', text: snapshot.text });
  for (const call of snapshot.toolCalls) {
    if (!call.complete) continue;
    content.push({ type: 'tool-call', id: call.id, name: call.name, arguments: call.argsText.trim() === '' ? '{}' : call.argsText });
  }
  return { role: 'assistant', content };
}
