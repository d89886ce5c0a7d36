import type { Delta, FinishReason, Snapshot, ToolCallSnapshot, Usage } from './delta.ts';

/**
 * Mutable accumulator of a response, applied delta by delta in O(1) amortized time (string
 * concatenation builds ropes; the tool-call array is copied only when a call changes).
 * `snapshot()` returns an immutable view. Used by `accumulate()`, by sources to attach
 * `partial` to their errors, and by operators that must report what had arrived.
 * @internal
 */
export class SnapshotBuilder {
  text = '';
  reasoning = '';
  reasoningSignature: string | undefined = undefined;
  redactedReasoning: string[] | undefined = undefined;
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | undefined = undefined;
  finishRaw: string | undefined = undefined;
  provider: string | undefined = undefined;
  id: string | undefined = undefined;
  model: string | undefined = undefined;
  deltaCount = 0;
  /** Content deltas (text, reasoning, tool calls) applied. */
  contentCount = 0;
  private calls: ToolCallSnapshot[] = [];
  /** Position in `calls` of the open call for each index. */
  private open = new Map<number, number>();
  private frozenCalls: readonly ToolCallSnapshot[] = EMPTY;

  apply(delta: Delta): void {
    this.deltaCount++;
    switch (delta.type) {
      case 'text':
        this.contentCount++;
        this.text += delta.text;
        return;
      case 'reasoning':
        this.contentCount++;
        if (delta.redacted) {
          (this.redactedReasoning ??= []).push(delta.text);
        } else {
          this.reasoning += delta.text;
        }
        if (delta.signature !== undefined) this.reasoningSignature = delta.signature;
        return;
      case 'tool-call-start':
        this.contentCount++;
        this.open.set(delta.index, this.calls.length);
        this.calls.push({ index: delta.index, id: delta.id, name: delta.name, argsText: '', complete: false });
        this.frozenCalls = EMPTY;
        return;
      case 'tool-call-delta': {
        this.contentCount++;
        const at = this.openCall(delta.index);
        const call = this.calls[at]!;
        this.calls[at] = { ...call, argsText: call.argsText + delta.argsText };
        this.frozenCalls = EMPTY;
        return;
      }
      case 'tool-call-end': {
        this.contentCount++;
        const at = this.openCall(delta.index);
        this.calls[at] = completeCall(this.calls[at]!);
        this.open.delete(delta.index);
        this.frozenCalls = EMPTY;
        return;
      }
      case 'usage': {
        const { type: _type, ...counts } = delta;
        this.usage = this.usage === undefined ? counts : { ...this.usage, ...counts };
        return;
      }
      case 'finish':
        this.finishReason = delta.reason;
        this.finishRaw = delta.raw;
        return;
      case 'metadata':
        this.provider = delta.provider;
        this.id = delta.id;
        this.model = delta.model;
        return;
      case 'reset':
        // everything before is void: back to the empty snapshot
        Object.assign(this, new SnapshotBuilder());
        return;
    }
  }

  /** The calls so far, copied only when one changed since the last call. */
  toolCalls(): readonly ToolCallSnapshot[] {
    if (this.frozenCalls === EMPTY && this.calls.length > 0) this.frozenCalls = this.calls.slice();
    return this.frozenCalls;
  }

  /** An immutable view of the response so far; optional fields are present only when set. */
  snapshot(): Snapshot {
    const s: { -readonly [K in keyof Snapshot]: Snapshot[K] } = {
      text: this.text,
      reasoning: this.reasoning,
      toolCalls: this.toolCalls(),
      deltaCount: this.deltaCount,
    };
    if (this.reasoningSignature !== undefined) s.reasoningSignature = this.reasoningSignature;
    if (this.redactedReasoning !== undefined) s.redactedReasoning = this.redactedReasoning.slice();
    if (this.usage !== undefined) s.usage = this.usage;
    if (this.finishReason !== undefined) s.finishReason = this.finishReason;
    if (this.finishRaw !== undefined) s.finishRaw = this.finishRaw;
    if (this.provider !== undefined) s.provider = this.provider;
    if (this.id !== undefined) s.id = this.id;
    if (this.model !== undefined) s.model = this.model;
    return s;
  }

  /** `snapshot()` when any delta was applied, else `undefined`: the `partial` of an error. */
  partial(): Snapshot | undefined {
    return this.deltaCount === 0 ? undefined : this.snapshot();
  }

  /**
   * Position of the open call for `index`. A delta for an index with no open call (a source
   * that sends no start, or a fragment after the end) opens an anonymous call rather than
   * dropping the fragment.
   */
  private openCall(index: number): number {
    const at = this.open.get(index);
    if (at !== undefined) return at;
    this.open.set(index, this.calls.length);
    this.calls.push({ index, id: '', name: '', argsText: '', complete: false });
    return this.calls.length - 1;
  }
}

const EMPTY: readonly ToolCallSnapshot[] = Object.freeze([]);

/** Marks a call complete and parses its arguments; empty text parses as `{}`. */
function completeCall(call: ToolCallSnapshot): ToolCallSnapshot {
  const source = call.argsText.trim() === '' ? '{}' : call.argsText;
  try {
    return { ...call, complete: true, args: JSON.parse(source) as unknown };
  } catch (err) {
    return { ...call, complete: true, argsError: (err as Error).message };
  }
}
