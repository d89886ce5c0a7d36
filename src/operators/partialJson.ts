import type { StandardSchemaV1 } from '@standard-schema/spec';
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { checkEmit, EmitGate } from '../json/emit-gate.ts';
import { operate } from '../core/operate.ts';
import { PartialTree } from '../json/partial-tree.ts';
import { schemaError, StreamedJson, validateWith } from '../json/streamed-json.ts';

/** A value as far as it has streamed: objects with some members, arrays with some elements, strings cut short. */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? readonly DeepPartial<E>[]
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What {@link partialJson} emits: the document so far, and the final value on the last emission. */
export type PartialJson<T> =
  | {
      /** The document so far (`undefined` before anything is visible); never validated. */
      readonly partial: DeepPartial<T> | undefined;
      /** True only on the last emission, once the whole text parsed and validated. */
      readonly complete: false;
      readonly value?: undefined;
    }
  | {
      /** The whole parsed document. */
      readonly partial: DeepPartial<T>;
      readonly complete: true;
      /** The final value: the parsed document, or the schema's output when a schema is given. */
      readonly value: T;
    };

/** Options of {@link partialJson}. */
export interface PartialJsonOptions<T = unknown> {
  /**
   * When to emit: `'change'` (default) after every text delta that changed the partial value;
   * `'value'` after a text delta that completed a value (a string, number, literal, object or
   * array at any depth); a number of ms: at most one emission per that many ms (the first change
   * at once, the latest state at the end of each window). The final value is always emitted.
   */
  readonly emit?: 'change' | 'value' | number;
  /** An open string: shown as its prefix (`'prefix'`, default) or left out until it closes (`'hold'`). */
  readonly openStrings?: 'prefix' | 'hold';
  /** Validates the complete document (any Standard Schema v1 validator: zod 4, valibot, arktype, …). */
  readonly schema?: StandardSchemaV1<unknown, T>;
  /** Where time comes from for a numeric `emit` (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Parses the text of a JSON answer as it streams and emits the document so far, then the
 * final, validated value.
 *
 * <span class="informal">Render a form, a list or a plan while the model writes it; use the
 * value only once it is complete.</span>
 *
 * ```
 * source:         -a--b--c--d-|        a = '{"city":"Pa', b = 'ris","days":[', c = '1,2', d = ']}'
 * partialJson()
 * result:         -w--x--y--z-(v|)     w = { partial: { city: 'Pa' }, complete: false }
 *                                      x = { partial: { city: 'Paris', days: [] }, complete: false }
 *                                      y = { partial: { city: 'Paris', days: [1] }, complete: false }
 *                                      z = { partial: { city: 'Paris', days: [1, 2] }, complete: false }
 *                                      v = { partial: z.partial, complete: true, value: z.partial }
 * ```
 *
 * Reads `text` deltas (other delta types are ignored): one JSON document, optionally inside a
 * Markdown code fence (```` ```json ````) and surrounded by whitespace. Parsing is incremental,
 * in time linear in the text's length. A number or `true`/`false`/`null` appears once complete;
 * an object member once its value starts; a string as its prefix (or, with `openStrings:
 * 'hold'`, once closed). Emissions are immutable and share structure: only the objects and
 * arrays on the path from the root to what changed are new, every other subtree keeps its
 * identity (so `OnPush` components and `React.memo` skip it). Each emission costs the size of
 * the containers on that path; `emit: 'value'` or a time-based `emit` keeps the total linear,
 * and {@link jsonPatches} gives every change in linear total time.
 *
 * A `reset` delta restarts the parser on a new document and emits `{ partial: undefined,
 * complete: false }` at once (a change held back by `emit` is dropped).
 *
 * On complete: the whole text must be one JSON document, else errors with a
 * {@link JsonParseError} (`truncated` when it ended early; never a repaired value). Then
 * validates with `schema` (synchronously or asynchronously) and emits `{ complete: true, value }`
 * and completes, or errors with a {@link SchemaValidationError} carrying the issues. A character
 * that cannot be JSON errors at once with a {@link JsonParseError} and unsubscribes the source.
 * Our errors carry the partial value in `lastPartial` (or `value`) and the raw `text`.
 * On error: emits a change still held back by `emit`, then passes the source's error on
 * unchanged. On unsubscribe: unsubscribes the source, cancels the timer and drops the text.
 *
 * @example Show a recipe while it streams; store it once it validated
 * ```ts
 * const Recipe = z.object({ title: z.string(), steps: z.array(z.string()) });
 * fromOpenAI(client, params).pipe(partialJson({ schema: Recipe, emit: 50 })).subscribe(({ partial, complete, value }) =>
 *   complete ? save(value) : render(partial),
 * );
 * ```
 *
 * @see {@link jsonPatches} for the changes as JSON Patch operations
 * @see {@link toolCallArgs} for tool-call arguments as they stream
 *
 * @see docs/marbles/partialJson.svg: the diagram drawn from this operator's spec (marbles/partialJson.marble.ts)
 * @param options `emit` (`'change'`, `'value'` or ms), `openStrings`, `schema`, `scheduler`.
 * @return A function that returns an Observable of the partial document, ending with the
 * complete, validated value.
 */
export function partialJson<T = unknown>(options: PartialJsonOptions<T> = {}): OperatorFunction<Delta, PartialJson<T>> {
  const { emit = 'change', openStrings = 'prefix', schema, scheduler = asyncScheduler } = options;
  checkEmit(emit);
  return (source) =>
    new Observable<PartialJson<T>>((subscriber) => {
      let tree: PartialTree | null = new PartialTree(openStrings === 'prefix');
      let doc: StreamedJson | null = new StreamedJson(tree);
      let last: unknown = undefined;
      const current = (): unknown => (tree!.changed ? (last = tree!.snapshot()) : last);
      const gate = new EmitGate(emit, scheduler, () => {
        if (tree!.changed) subscriber.next({ partial: current() as DeepPartial<T>, complete: false });
      });

      operate(source, subscriber, {
        next(delta) {
          if (delta.type === 'reset') {
            gate.dispose();
            tree = new PartialTree(openStrings === 'prefix');
            doc = new StreamedJson(tree);
            last = undefined;
            subscriber.next({ partial: undefined, complete: false });
            return;
          }
          if (delta.type !== 'text') return;
          const t = tree!;
          t.completedValue = false;
          if (!doc!.write(delta.text)) {
            gate.dispose();
            subscriber.error(doc!.parseError(current()));
            return;
          }
          gate.afterDelta(t.changed, t.completedValue);
        },
        error(err: unknown) {
          gate.flush();
          subscriber.error(err);
        },
        complete() {
          gate.dispose();
          const d = doc!;
          if (!d.end()) {
            subscriber.error(d.parseError(current()));
            return;
          }
          const parsed = tree!.value;
          const done = (value: unknown): void => {
            subscriber.next({ partial: parsed as DeepPartial<T>, complete: true, value: value as T });
            subscriber.complete();
          };
          if (schema === undefined) return done(parsed);
          const settle = (result: StandardSchemaV1.Result<unknown>): void => {
            if (result.issues) subscriber.error(schemaError(result.issues, d.text, parsed));
            else done(result.value);
          };
          const result = validateWith(schema, parsed);
          if (result instanceof Promise) result.then(settle, (err: unknown) => subscriber.error(err));
          else settle(result);
        },
      });
      return () => {
        gate.dispose();
        tree = null;
        doc = null;
        last = undefined;
      };
    });
}
