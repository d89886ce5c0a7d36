/**
 * `streamObject`: a typed JSON answer from any provider, as partial objects while it streams.
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { map, type Observable, filter } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { partialJson, type PartialJson, type PartialJsonOptions } from '../operators/partialJson.ts';
import type { ProviderAdapter, SourceOptions } from './provider-adapter.ts';
import { stream, type StreamTarget } from './stream.ts';

/** What {@link streamObject} asks for: the JSON Schema sent to the provider and, optionally, a validator. */
export interface StreamObjectOptions<T> extends Omit<PartialJsonOptions<T>, 'schema'>, SourceOptions {
  /** The schema's name (OpenAI `json_schema.name`, Bedrock's forced tool name). */
  readonly name: string;
  /** The JSON Schema the provider is asked to follow. */
  readonly jsonSchema: Readonly<Record<string, unknown>>;
  /** Validates the complete value (any Standard Schema v1 validator: zod 4, valibot, arktype, …). */
  readonly schema?: StandardSchemaV1<unknown, T>;
  readonly description?: string;
}

/**
 * Streams `request` with `responseFormat` set to `jsonSchema` (each adapter's structured output:
 * OpenAI `response_format: json_schema` strict, Anthropic `output_config.format`, Gemini
 * `responseJsonSchema`, Bedrock a forced tool whose arguments are the answer) and emits the
 * answer as {@link partialJson} does: `{ partial, complete, value? }`, the last one validated by
 * `schema`. A truncated answer is never repaired (`JsonParseError`), an invalid one fails with
 * `SchemaValidationError`.
 *
 * @example
 * ```ts
 * streamObject({ adapter: openaiAdapter, client, model: 'gpt-4.1-mini' }, { messages: [{ role: 'user', content: 'Plan a day in Paris' }] },
 *   { name: 'plan', jsonSchema: z.toJSONSchema(Plan), schema: Plan, emit: 50 })
 *   .subscribe(({ partial, complete }) => render(partial, complete));
 * ```
 *
 * @param target An adapter, or `{ adapter, client?, model? }`.
 * @param request The request (its `responseFormat` is replaced).
 * @param options `name`, `jsonSchema`, `schema`, and `partialJson`'s `emit` / `openStrings` / `scheduler`.
 * @return A cold Observable of the partial objects.
 */
export function streamObject<T, Client = unknown, Params = unknown>(
  target: ProviderAdapter<Client, Params> | StreamTarget<Client, Params>,
  request: ChatRequest,
  options: StreamObjectOptions<T>,
): Observable<PartialJson<T>> {
  const { name, jsonSchema, schema, description, emit, openStrings, scheduler, stream: streaming, signal } = options;
  const asked: ChatRequest = { ...request, responseFormat: { type: 'json-schema', name, schema: jsonSchema, ...(description === undefined ? {} : { description }) } };
  const answer = stream(target, asked, { ...(streaming === undefined ? {} : { stream: streaming }), ...(signal === undefined ? {} : { signal }) });
  // Bedrock answers through a forced tool: its argument fragments are the JSON text
  const deltas: Observable<Delta> =
    answer.outputTool === undefined
      ? answer
      : answer.pipe(filter((d) => d.type !== 'text' && d.type !== 'tool-call-start' && d.type !== 'tool-call-end'), map(argumentsAsText));
  return deltas.pipe(
    partialJson<T>({ ...(emit === undefined ? {} : { emit }), ...(openStrings === undefined ? {} : { openStrings }), ...(scheduler === undefined ? {} : { scheduler }), ...(schema === undefined ? {} : { schema }) }),
  );
}

/** The forced tool call's argument fragments as the answer's text. */
function argumentsAsText(delta: Delta): Delta {
  return delta.type === 'tool-call-delta' ? { type: 'text', text: delta.argsText } : delta;
}
