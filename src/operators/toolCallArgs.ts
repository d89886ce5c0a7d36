import type { StandardSchemaV1 } from '@standard-schema/spec';
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { checkEmit, EmitGate } from '../json/emit-gate.ts';
import { operate } from '../core/operate.ts';
import { PartialTree } from '../json/partial-tree.ts';
import { schemaError, StreamedJson, validateWith } from '../json/streamed-json.ts';
import type { ToolCallRef } from '../json/errors.ts';

/** One tool call as {@link toolCallArgs} emits it: its arguments so far, then the final ones. */
export interface PartialToolCall {
  /** Position of the call in the response (the `index` of its deltas). */
  readonly index: number;
  /** The provider's call id; `''` if the source never sent a start. */
  readonly id: string;
  /** The tool's name; `''` if the source never sent a start. */
  readonly name: string;
  /** The arguments so far (`undefined` before anything is visible); never validated. */
  readonly partial: unknown;
  /** True once the call ended and its arguments parsed (and validated). */
  readonly complete: boolean;
  /** The final arguments (the schema's output when the tool has a schema); set once `complete`. */
  readonly args?: unknown;
}

/** What {@link toolCallArgs} emits: every tool call of the response so far, by index. */
export type ToolCallArgsState = Readonly<Record<number, PartialToolCall>>;

/** Options of {@link toolCallArgs}. */
export interface ToolCallArgsOptions {
  /** As in `partialJson`: `'change'` (default), `'value'` or a number of ms. A call's end is always emitted at once. */
  readonly emit?: 'change' | 'value' | number;
  /** An open string: shown as its prefix (`'prefix'`, default) or left out until it closes (`'hold'`). */
  readonly openStrings?: 'prefix' | 'hold';
  /** Standard Schema validators by tool name; a call of a tool without one is not validated. Validation is synchronous. */
  readonly schemas?: Readonly<Record<string, StandardSchemaV1>>;
  /** Where time comes from for a numeric `emit` (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Parses tool-call arguments as they stream and emits every call of the response, keyed by
 * index, with its arguments so far; a call's final arguments are validated against its tool's
 * schema.
 *
 * <span class="informal">Show what the model is about to do (the search query, the file being
 * written) before the call ends; run it once `complete`.</span>
 *
 * ```
 * source:          -s-a--b-e-|     s = start(0, 'call_1', 'search'), a = args(0, '{"q":"rx'),
 *                                  b = args(0, 'js"}'), e = end(0)
 * toolCallArgs()
 * result:          -w-x--y-z-|     w = { 0: { index: 0, id: 'call_1', name: 'search', partial: undefined, complete: false } }
 *                                  x = { 0: { …, partial: { q: 'rx' }, complete: false } }
 *                                  y = { 0: { …, partial: { q: 'rxjs' }, complete: false } }
 *                                  z = { 0: { …, partial: { q: 'rxjs' }, complete: true, args: { q: 'rxjs' } } }
 * ```
 *
 * Reads the tool-call deltas (others are ignored); calls are told apart by `index`, so
 * interleaved parallel calls are parsed side by side. Each emission is immutable: a call that
 * did not change keeps its identity, and within a call the arguments share structure as in
 * `partialJson`. Parsing is linear in the arguments' length. At a call's `tool-call-end` its
 * text must be one JSON document (empty text is `{}`), then it is validated with
 * `schemas[name]` when there is one; the completed call is emitted at once. A fragment for an
 * index without a start opens a call without id and name; a start at an index in use starts a
 * new call there.
 *
 * Errors: arguments that are not JSON, or end mid-document, error with a
 * {@link JsonParseError} (`toolCall` names the call; at once for an invalid character, which
 * also unsubscribes the source); arguments the schema rejects error with a
 * {@link SchemaValidationError}. Never run a call that did not complete.
 * A `reset` delta forgets every call and emits the empty state `{}` at once.
 *
 * On complete: calls still open are ended as by their `tool-call-end`, then completes. On
 * error: emits a change held back by `emit`, then passes the error on. On unsubscribe:
 * unsubscribes the source, cancels the timer and drops the calls.
 *
 * @example Show the query of a search call while the model writes it
 * ```ts
 * response$.pipe(toolCallArgs({ schemas: { search: z.object({ q: z.string() }) } }))
 *   .subscribe((calls) => Object.values(calls).forEach((c) => render(c.name, c.partial, c.complete)));
 * ```
 *
 * @see {@link toolCalls} for each call once, when it ends
 * @see {@link partialJson}
 *
 * @see docs/marbles/toolCallArgs.svg: the diagram drawn from this operator's spec (marbles/toolCallArgs.marble.ts)
 * @param options `emit` (`'change'`, `'value'` or ms), `openStrings`, `schemas`, `scheduler`.
 * @return A function that returns an Observable of all tool calls so far, keyed by index.
 */
export function toolCallArgs(options: ToolCallArgsOptions = {}): OperatorFunction<Delta, ToolCallArgsState> {
  const { emit = 'change', openStrings = 'prefix', schemas = {}, scheduler = asyncScheduler } = options;
  checkEmit(emit);
  return (source) =>
    new Observable<ToolCallArgsState>((subscriber) => {
      let calls: Map<number, OpenCall> | null = new Map();
      let state: ToolCallArgsState = {};
      let changed = new Set<number>();

      const publish = (): void => {
        if (changed.size === 0) return;
        const next: Record<number, PartialToolCall> = { ...state };
        for (const index of changed) {
          const call = calls!.get(index)!;
          next[index] = call.final ?? { index, id: call.id, name: call.name, partial: call.tree.snapshot(), complete: false };
        }
        changed = new Set();
        state = next;
        subscriber.next(state);
      };
      const gate = new EmitGate(emit, scheduler, publish);

      const open = (index: number, id: string, name: string): OpenCall => {
        const tree = new PartialTree(openStrings === 'prefix');
        const call: OpenCall = { ref: { index, id, name }, id, name, tree, doc: new StreamedJson(tree), final: undefined };
        calls!.set(index, call);
        changed.add(index);
        return call;
      };

      /** Ends a call: parse check, validation, the completed call; false after erroring. */
      const end = (index: number, call: OpenCall): boolean => {
        const { doc, tree } = call;
        const empty = doc.text.trim() === '';
        if (!empty && !doc.end()) {
          gate.dispose();
          subscriber.error(doc.parseError(tree.snapshot(), call.ref));
          return false;
        }
        const parsed = empty ? {} : tree.value;
        let args = parsed;
        const schema = schemas[call.name];
        if (schema !== undefined) {
          const result = validateWith(schema, parsed);
          if (result instanceof Promise) throw new TypeError(`toolCallArgs: the schema of tool ${call.name} validates asynchronously; give a synchronous one.`);
          if (result.issues) {
            gate.dispose();
            subscriber.error(schemaError(result.issues, doc.text, parsed, call.ref));
            return false;
          }
          args = result.value;
        }
        call.final = { index, id: call.id, name: call.name, partial: parsed, complete: true, args };
        changed.add(index);
        return true;
      };

      operate(source, subscriber, {
        next(delta) {
          const map = calls!;
          switch (delta.type) {
            case 'tool-call-start':
              open(delta.index, delta.id, delta.name);
              gate.afterDelta(true, false);
              return;
            case 'tool-call-delta': {
              let call = map.get(delta.index);
              if (call === undefined || call.final !== undefined) call = open(delta.index, '', '');
              const tree = call.tree;
              tree.completedValue = false;
              if (!call.doc.write(delta.argsText)) {
                gate.dispose();
                subscriber.error(call.doc.parseError(tree.snapshot(), call.ref));
                return;
              }
              if (tree.changed) changed.add(delta.index);
              gate.afterDelta(tree.changed || changed.size > 0, tree.completedValue);
              return;
            }
            case 'tool-call-end': {
              const call = map.get(delta.index);
              if (call === undefined || call.final !== undefined) return;
              if (end(delta.index, call)) publish();
              return;
            }
            case 'reset':
              gate.dispose();
              map.clear();
              changed = new Set();
              state = {};
              subscriber.next(state);
              return;
            default:
              return;
          }
        },
        error(err: unknown) {
          gate.flush();
          subscriber.error(err);
        },
        complete() {
          gate.dispose();
          for (const [index, call] of calls!) if (call.final === undefined && !end(index, call)) return;
          publish();
          subscriber.complete();
        },
      });
      return () => {
        gate.dispose();
        calls = null;
        state = {};
        changed = new Set();
      };
    });
}

/** A call being parsed. */
interface OpenCall {
  readonly ref: ToolCallRef;
  readonly id: string;
  readonly name: string;
  readonly tree: PartialTree;
  readonly doc: StreamedJson;
  /** Set once the call ended and validated. */
  final: PartialToolCall | undefined;
}
