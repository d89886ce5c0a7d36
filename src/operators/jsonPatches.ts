import { Observable, type OperatorFunction } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';
import { PatchBuilder } from '../json/patch-builder.ts';
import { StreamedJson } from '../json/streamed-json.ts';

/**
 * One change to a JSON document being streamed. `path` is a JSON Pointer (RFC 6901; `''` is the
 * root, array elements by index).
 *
 * - `add` (RFC 6902): the member, element or root at `path` now is `value`. Objects and arrays
 *   are added empty and filled by later operations; an element is added at the array's end.
 *   A member name that repeats replaces the earlier value, as `add` does.
 * - `append` (an extension of RFC 6902): the string at `path` grows by `value`.
 */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'append'; readonly path: string; readonly value: string };

/** Options of {@link jsonPatches}. */
export interface JsonPatchesOptions {
  /** An open string: added at once and appended to (`'prefix'`, default), or added whole once it closes (`'hold'`). */
  readonly openStrings?: 'prefix' | 'hold';
}

/**
 * Parses the text of a JSON answer as it streams and emits each change as JSON Patch
 * operations, in linear total time.
 *
 * <span class="informal">The changes instead of the whole document: for a large answer, or to
 * send the document over the wire as it grows.</span>
 *
 * ```
 * source:        -a--b--c-|      a = '{"tags":["re', b = 'd","blue"', c = ']}'
 * jsonPatches()
 * result:        -x--y----|      x = [add '' {}, add /tags [], add /tags/0 '', append /tags/0 're']
 *                                y = [append /tags/0 'd', add /tags/1 '', append /tags/1 'blue']
 * ```
 *
 * Reads `text` deltas (others are ignored), as {@link partialJson} does: one JSON document,
 * optionally in a Markdown code fence and surrounded by whitespace. Emits one array of
 * operations per text delta that changed the document; applying them in order to `undefined`
 * rebuilds it. A number or literal is added once complete, an object member once its value
 * starts. Appends to one string within one delta come as a single `append`. The total work is
 * linear in the text's length (times the nesting depth, for the paths).
 *
 * A `reset` delta restarts the parser on a new document, emitting nothing: the new document's
 * first operation adds the root (`path: ''`), which replaces the whole document (RFC 6902).
 *
 * On complete: the whole text must be one JSON document, else errors with a
 * {@link JsonParseError} (`truncated` when it ended early; `lastPartial` is `undefined`: apply
 * the operations for the document so far); then completes. A character that cannot be JSON
 * errors at once with a {@link JsonParseError} and unsubscribes the source. On error: passes
 * the source's error on. On unsubscribe: unsubscribes the source and drops the text.
 *
 * @example Forward a growing document to a browser as patches
 * ```ts
 * fromOpenAI(client, params).pipe(jsonPatches()).subscribe((ops) => socket.send(JSON.stringify(ops)));
 * ```
 *
 * @see {@link partialJson} for the document itself, immutable, with structural sharing
 *
 * @see docs/marbles/jsonPatches.svg: the diagram drawn from this operator's spec (marbles/jsonPatches.marble.ts)
 * @param options `openStrings`.
 * @return A function that returns an Observable of operation lists, one per text delta that
 * changed the document.
 */
export function jsonPatches(options: JsonPatchesOptions = {}): OperatorFunction<Delta, readonly JsonPatchOperation[]> {
  const showOpenStrings = (options.openStrings ?? 'prefix') === 'prefix';
  return (source) =>
    new Observable<readonly JsonPatchOperation[]>((subscriber) => {
      let builder: PatchBuilder | null = new PatchBuilder(showOpenStrings);
      let doc: StreamedJson | null = new StreamedJson(builder);

      operate(source, subscriber, {
        next(delta) {
          if (delta.type === 'reset') {
            builder = new PatchBuilder(showOpenStrings);
            doc = new StreamedJson(builder);
            return;
          }
          if (delta.type !== 'text') return;
          if (!doc!.write(delta.text)) {
            subscriber.error(doc!.parseError(undefined));
            return;
          }
          const ops = builder!.take();
          if (ops.length > 0) subscriber.next(ops);
        },
        complete() {
          if (!doc!.end()) {
            subscriber.error(doc!.parseError(undefined));
            return;
          }
          const ops = builder!.take(); // a root number is complete only now
          if (ops.length > 0) subscriber.next(ops);
          subscriber.complete();
        },
      });
      return () => {
        builder = null;
        doc = null;
      };
    });
}
