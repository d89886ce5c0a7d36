/**
 * The one place that keeps the {@link Delta} rules for every provider decoder. A decoder reads
 * its wire and calls the writer; the writer decides what reaches the sink:
 *
 * - no empty fragments: `text('')`, `reasoning('')`, `callArgs(key, '')` emit nothing;
 * - a reasoning signature always travels alone, on a `reasoning` delta with empty text;
 * - one `metadata` delta per response, first;
 * - tool calls: `index` is the call's position among the response's calls (0, 1, … in start
 *   order), whatever the provider numbers them by; calls are tracked by the provider's own key
 *   (an Anthropic or Bedrock content-block index, a Chat `tool_calls[].index`, a Responses
 *   `output_index`, a Gemini streamed function call) from start through argument fragments to end;
 * - every call still open is ended before the `finish`, and there is one `finish` per response.
 *
 * Keys from the wire are bounded ({@link MAX_WIRE_INDEX}); a key past it is a
 * `MalformedChunkError`, and no structure is sized by a number the wire chose.
 *
 * Hot path: nothing is allocated per delta but the delta itself; a call's state is allocated
 * once per call. @internal
 * @module
 */
import type { DeltaSink, FinishReason, MetadataDelta, TokenLogprob, UsageDelta } from './delta.ts';
import { MalformedChunkError } from './errors.ts';

/**
 * The largest index or key rxllm accepts from a provider's wire (a content-block index, a tool
 * call's `index`, an output index): far above any real response (a response with 100,000 content
 * blocks or tool calls does not exist), low enough that a hostile value cannot make a decoder
 * allocate or loop by it. A larger value is a `MalformedChunkError`.
 */
export const MAX_WIRE_INDEX = 100_000;

/** Shared by writers with no call yet; never written to (see `calls()`). */
const NO_CALLS: Map<number, CallState> = new Map();

/** The state of one tool call, by the provider's key. */
interface CallState {
  /** The call's `index` in the deltas; -1 while held (not started). */
  index: number;
  /** The provider's id and name, while held. */
  id: string;
  name: string;
  /** Argument text received while held, sent right after the start. */
  held: string;
}

/**
 * Writes one response's deltas into a sink, keeping the {@link Delta} rules (see the module
 * docs). One writer per response; not reusable. @internal
 */
export class DeltaWriter {
  /** True once `finish` was written. */
  finished = false;
  readonly provider: string;
  private readonly out: DeltaSink;
  private started = false;
  /** Calls started so far (held calls count once they start). */
  private count = 0;
  /** Calls by the provider's key, while the key is in use. */
  private byKey: Map<number, CallState> = NO_CALLS;

  constructor(out: DeltaSink, provider: string) {
    this.out = out;
    this.provider = provider;
  }

  /** True once `metadata` was written. */
  get hasMetadata(): boolean {
    return this.started;
  }

  /** Number of tool calls started so far. */
  get callCount(): number {
    return this.count;
  }

  /** Writes the `metadata` delta (once; later calls do nothing). Non-string `id` / `model` are left out. */
  metadata(id: unknown, model: unknown): void {
    if (this.started) return;
    this.started = true;
    const metadata: { -readonly [K in keyof MetadataDelta]: MetadataDelta[K] } = { type: 'metadata', provider: this.provider };
    if (typeof id === 'string') metadata.id = id;
    if (typeof model === 'string') metadata.model = model;
    this.out.next(metadata);
  }

  /** A fragment of the answer, with its tokens' log probabilities when given; nothing for an empty or non-string value. */
  text(text: unknown, logprobs?: readonly TokenLogprob[]): void {
    if (typeof text !== 'string' || text.length === 0) return;
    this.out.next(logprobs === undefined ? { type: 'text', text } : { type: 'text', text, logprobs });
  }

  /** A fragment of a refusal, with its tokens' log probabilities when given; nothing for an empty or non-string value. */
  refusal(text: unknown, logprobs?: readonly TokenLogprob[]): void {
    if (typeof text !== 'string' || text.length === 0) return;
    this.out.next(logprobs === undefined ? { type: 'refusal', text } : { type: 'refusal', text, logprobs });
  }

  /** A fragment of reasoning; nothing for an empty or non-string value. */
  reasoning(text: unknown): void {
    if (typeof text === 'string' && text.length !== 0) this.out.next({ type: 'reasoning', text });
  }

  /** A reasoning signature, alone on a `reasoning` delta with empty text; nothing for an empty one. */
  signature(signature: unknown): void {
    if (typeof signature === 'string' && signature.length !== 0) this.out.next({ type: 'reasoning', text: '', signature });
  }

  /** An opaque redacted reasoning block (`redacted: true`); nothing for empty data. */
  redacted(data: unknown): void {
    if (typeof data === 'string' && data.length !== 0) this.out.next({ type: 'reasoning', text: data, redacted: true });
  }

  /** A `usage` delta, when there is one. */
  usage(usage: UsageDelta | undefined): void {
    if (usage !== undefined) this.out.next(usage);
  }

  /**
   * Starts a tool call under the provider's `key` and returns its delta index. A call still
   * open under the same key is ended first (the key was reused).
   */
  startCall(key: number, id: unknown, name: unknown): number {
    checkKey(key, this.provider);
    const previous = this.byKey.get(key);
    if (previous !== undefined) this.endState(key, previous);
    const call: CallState = { index: -1, id: '', name: '', held: '' };
    this.calls().set(key, call);
    this.begin(call, id, name);
    return call.index;
  }

  /**
   * Opens a call under `key` whose name has not arrived yet (a Chat fragment with only an index,
   * an id or arguments): nothing is written until {@link nameCall} gives the name; argument
   * fragments meanwhile are held and written right after the start. Ending a held call (or the
   * finish) starts it with what is known.
   */
  holdCall(key: number, id: unknown, name: unknown): void {
    checkKey(key, this.provider);
    const previous = this.byKey.get(key);
    if (previous !== undefined) this.endState(key, previous);
    this.calls().set(key, { index: -1, id: typeof id === 'string' ? id : '', name: typeof name === 'string' ? name : '', held: '' });
  }

  /** Gives a held call the id and name that arrived; starts it once it has a name. Does nothing for a started call. */
  nameCall(key: number, id: unknown, name: unknown): void {
    const call = this.byKey.get(key);
    if (call === undefined || call.index !== -1) return;
    if (typeof id === 'string' && id.length !== 0) call.id = id;
    if (typeof name === 'string' && name.length !== 0) call.name = name;
    if (call.name.length !== 0) this.begin(call, call.id, call.name);
  }

  /** True when a call is open (started or held) under `key`. */
  hasCall(key: number): boolean {
    return this.byKey.has(key);
  }

  /** True when the call under `key` is held (its name not known yet). */
  isHeld(key: number): boolean {
    return this.byKey.get(key)?.index === -1;
  }

  /**
   * A fragment of the arguments of the call under `key`; nothing for an empty fragment. A
   * fragment for a key with no open call opens a call with empty id and name rather than lose it.
   */
  callArgs(key: number, argsText: unknown): void {
    if (typeof argsText !== 'string' || argsText.length === 0) return;
    let call = this.byKey.get(key);
    if (call === undefined) {
      this.startCall(key, '', '');
      call = this.byKey.get(key)!;
    }
    if (call.index === -1) call.held += argsText;
    else this.out.next({ type: 'tool-call-delta', index: call.index, argsText });
  }

  /** Ends the call under `key`, if one is open; returns whether one was. */
  endCall(key: number): boolean {
    const call = this.byKey.get(key);
    if (call === undefined) return false;
    this.endState(key, call);
    return true;
  }

  /** A call sent whole (Gemini, a non-streaming response): start, the arguments, end. Returns its index. */
  wholeCall(id: unknown, name: unknown, argsText: string): number {
    const index = this.count++;
    this.out.next({ type: 'tool-call-start', index, id: typeof id === 'string' ? id : '', name: typeof name === 'string' ? name : '' });
    if (argsText.length !== 0) this.out.next({ type: 'tool-call-delta', index, argsText });
    this.out.next({ type: 'tool-call-end', index });
    return index;
  }

  /** Ends every open call (held ones start first), in key order of opening. */
  endOpenCalls(): void {
    if (this.byKey.size === 0) return;
    for (const [key, call] of this.byKey) this.endState(key, call);
  }

  /**
   * Ends the open calls, then writes the `finish` (once per response: later calls do nothing).
   * `raw` is the provider's own value, left out when undefined.
   */
  finish(reason: FinishReason, raw?: string): void {
    if (this.finished) return;
    this.endOpenCalls();
    this.finished = true;
    this.out.next(raw === undefined ? { type: 'finish', reason } : { type: 'finish', reason, raw });
  }

  /**
   * Writes a `reset` delta: everything written before is void, and the writer starts the
   * response afresh (metadata may come again, calls are numbered from 0, a finish may come).
   */
  reset(reason: string): void {
    this.byKey = NO_CALLS;
    this.count = 0;
    this.started = false;
    this.finished = false;
    this.out.next({ type: 'reset', reason });
  }

  /** The map of open calls, made with the first call (most responses have none). */
  private calls(): Map<number, CallState> {
    return this.byKey === NO_CALLS ? (this.byKey = new Map()) : this.byKey;
  }

  /** Writes `tool-call-start` for a new or held call (with its held arguments). */
  private begin(call: CallState, id: unknown, name: unknown): void {
    call.index = this.count++;
    this.out.next({
      type: 'tool-call-start',
      index: call.index,
      id: typeof id === 'string' ? id : '',
      name: typeof name === 'string' ? name : '',
    });
    if (call.held.length !== 0) {
      const argsText = call.held;
      call.held = '';
      this.out.next({ type: 'tool-call-delta', index: call.index, argsText });
    }
  }

  private endState(key: number, call: CallState): void {
    this.byKey.delete(key);
    if (call.index === -1) this.begin(call, call.id, call.name);
    this.out.next({ type: 'tool-call-end', index: call.index });
  }
}

/**
 * Checks an index or count read from a provider's wire: an integer from 0 to
 * {@link MAX_WIRE_INDEX}, else `MalformedChunkError`. Returns it. @internal
 */
export function checkKey(key: number, provider: string): number {
  if (Number.isInteger(key) && key >= 0 && key <= MAX_WIRE_INDEX) return key;
  const line = String(key);
  throw new MalformedChunkError(
    `${provider} sent an index of ${line}, outside 0…${MAX_WIRE_INDEX} (rxllm's bound on indexes from the wire): ` +
      'the stream is malformed or hostile and was stopped; what had arrived is in `partial`.',
    { provider, line },
  );
}
