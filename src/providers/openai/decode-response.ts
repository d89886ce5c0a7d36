/**
 * A non-streaming `chat.completion` (`stream: false`) → the deltas its stream would have given.
 * @module
 */
import type { DeltaSink } from '../../core/delta.ts';
import { MalformedChunkError } from '../../core/errors.ts';
import { ChatStreamMapper, type ChatMappingOptions } from './decode-stream.ts';
import { mapChatUsage } from './usage.ts';
import { CHAT_PROVIDER, type ChatCompletionWire } from './wire.ts';

/**
 * Maps a non-streaming `chat.completion` (`stream: false`) to the deltas its stream would have
 * given, in the stream's order: `metadata`, `reasoning`, `text`, each tool call's start and
 * delta (the whole arguments), the calls' ends, `finish`, then `usage` (OpenAI streams usage in
 * a last chunk after the finish). Follows `choiceIndex` as {@link ChatStreamMapper} does; a missing
 * `finish_reason` is handled as a `[DONE]` without one (`finishOnDone`). A body that is not a
 * completion (not an object with a `choices` array: a JSON page where a completion was
 * expected) throws `MalformedChunkError` showing its first characters.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function mapChatCompletion(completion: ChatCompletionWire, out: DeltaSink, options: ChatMappingOptions = {}): void {
  if (!isCompletion(completion)) {
    const text = JSON.stringify(completion) ?? String(completion);
    const line = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new MalformedChunkError(
      `${CHAT_PROVIDER} answered with JSON that is not a chat.completion (no \`choices\`): ${line}. ` +
        "Something other than the API may have answered (a proxy, a wrong base URL): check the client's base URL.",
      { provider: CHAT_PROVIDER, line },
    );
  }
  const mapper = new ChatStreamMapper(out, options);
  mapper.start(completion.id, completion.model);
  const choiceIndex = options.choiceIndex ?? 0;
  const choice = completion.choices?.find((c) => (c.index ?? 0) === choiceIndex);
  const message = choice?.message;
  // a message's tool calls carry no `index`: their position is it
  const toolCalls = message?.tool_calls?.map((call, index) => ({ ...call, index }));
  mapper.onChoice(toolCalls === undefined ? message : { ...message, tool_calls: toolCalls }, choice?.finish_reason, choice?.logprobs);
  mapper.flushFinish();
  if (completion.usage != null) out.next(mapChatUsage(completion.usage));
  mapper.onDone();
}

/** True for an object with a `choices` array (no narrowing: the wire type stays as declared). */
function isCompletion(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Array.isArray((value as { choices?: unknown }).choices);
}
