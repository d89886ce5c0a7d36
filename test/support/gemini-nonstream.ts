/**
 * Builds the non-streaming `generateContent` response that corresponds to a recorded
 * `streamGenerateContent` stream: the chunks' parts in one candidate (consecutive text parts of
 * the same kind merged, as the API does), the last chunk's finish reason, usage and ids.
 * Used by the `stream: false` replay tests.
 */
import type { WireEvent } from '../../src/replay/wire.ts';

/** The `GenerateContentResponse` JSON of a recorded Gemini stream. */
export function geminiResponseFromEvents(events: readonly WireEvent[]): Record<string, any> {
  const parts: Record<string, any>[] = [];
  let last: Record<string, any> | undefined;
  let finishReason: string | undefined;
  for (const wire of events) {
    const chunk = (wire as { data?: any }).data;
    if (typeof chunk !== 'object' || chunk === null) continue;
    last = chunk;
    const candidate = chunk.candidates?.[0];
    if (candidate?.finishReason) finishReason = candidate.finishReason;
    for (const part of candidate?.content?.parts ?? []) {
      const prev = parts.at(-1);
      const mergeable =
        prev !== undefined &&
        typeof prev.text === 'string' &&
        typeof part.text === 'string' &&
        Boolean(prev.thought) === Boolean(part.thought) &&
        !(prev.thoughtSignature && part.thoughtSignature);
      if (mergeable) {
        prev.text += part.text;
        if (part.thoughtSignature) prev.thoughtSignature = part.thoughtSignature;
      } else if (part.text !== '' || part.thoughtSignature || part.functionCall) {
        parts.push(structuredClone(part));
      }
    }
  }
  if (!last) throw new Error('no chunk in the recorded stream');
  const candidate: Record<string, any> = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  const response: Record<string, any> = { candidates: [candidate] };
  for (const key of ['usageMetadata', 'modelVersion', 'responseId']) if (last[key] !== undefined) response[key] = last[key];
  return response;
}
