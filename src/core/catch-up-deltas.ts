import type { Delta, Snapshot } from './delta.ts';

/**
 * The fewest deltas that `accumulate()` turns into `snapshot` (all but `deltaCount`): metadata,
 * reasoning (its text, then its signature alone), redacted blocks, the text, each tool call
 * (start, its arguments, its end when complete), usage, finish. `shareSnapshot`'s catch-up for a
 * late subscriber. @internal
 */
export function catchUpDeltas(snapshot: Snapshot): Delta[] {
  const deltas: Delta[] = [];
  if (snapshot.provider !== undefined) {
    const metadata: { -readonly [K in keyof Extract<Delta, { type: 'metadata' }>]: Extract<Delta, { type: 'metadata' }>[K] } = {
      type: 'metadata',
      provider: snapshot.provider,
    };
    if (snapshot.id !== undefined) metadata.id = snapshot.id;
    if (snapshot.model !== undefined) metadata.model = snapshot.model;
    deltas.push(metadata);
  }
  if (snapshot.reasoning !== '') deltas.push({ type: 'reasoning', text: snapshot.reasoning });
  if (snapshot.reasoningSignature !== undefined) deltas.push({ type: 'reasoning', text: '', signature: snapshot.reasoningSignature });
  for (const data of snapshot.redactedReasoning ?? []) deltas.push({ type: 'reasoning', text: data, redacted: true });
  if (snapshot.text !== '') deltas.push({ type: 'text', text: snapshot.text });
  for (const call of snapshot.toolCalls) {
    deltas.push({ type: 'tool-call-start', index: call.index, id: call.id, name: call.name });
    if (call.argsText !== '') deltas.push({ type: 'tool-call-delta', index: call.index, argsText: call.argsText });
    if (call.complete) deltas.push({ type: 'tool-call-end', index: call.index });
  }
  if (snapshot.usage !== undefined) deltas.push({ type: 'usage', ...snapshot.usage });
  if (snapshot.finishReason !== undefined) {
    deltas.push(snapshot.finishRaw === undefined ? { type: 'finish', reason: snapshot.finishReason } : { type: 'finish', reason: snapshot.finishReason, raw: snapshot.finishRaw });
  }
  return deltas;
}
