import type { StandardSchemaV1 } from '@standard-schema/spec';
import { JsonParseError, SchemaValidationError, type ToolCallRef } from './errors.ts';
import { type JsonEvents, JsonScanner } from './json-scanner.ts';

/**
 * One streamed JSON document: the raw text so far (kept for the errors), the scanner, and the
 * typed errors of a fault. Shared by `partialJson`, `jsonPatches` and `toolCallArgs`.
 * @internal
 */
export class StreamedJson {
  text = '';
  private readonly scanner: JsonScanner;

  constructor(events: JsonEvents) {
    this.scanner = new JsonScanner(events);
  }

  /** Scans one more fragment; false on invalid JSON (then {@link parseError} says where). */
  write(fragment: string): boolean {
    this.text += fragment;
    return this.scanner.write(fragment);
  }

  /** The text is over; false when the document is incomplete or invalid. */
  end(): boolean {
    return this.scanner.end();
  }

  /** The error for the scanner's fault. */
  parseError(lastPartial: unknown, toolCall?: ToolCallRef): JsonParseError {
    const fault = this.scanner.fault!;
    const what = toolCall === undefined ? 'The JSON answer' : `The arguments of tool call ${toolCall.index} (${toolCall.name})`;
    const message = fault.truncated
      ? `${what} ended before the JSON document was complete (${this.text.length} characters; expected ${fault.expected}). ` +
        'Nothing was repaired: `lastPartial` holds what had arrived, `text` the raw text. If the model stopped at its ' +
        "output token limit (finish reason 'length'), raise the limit or ask for a shorter answer."
      : `${what} is not valid JSON at offset ${fault.offset} (${JSON.stringify(this.text.slice(fault.offset, fault.offset + 20))}): ` +
        `expected ${fault.expected}. The raw text is in \`text\`; ask the model for JSON only (a JSON response format or schema).`;
    return new JsonParseError(message, { text: this.text, offset: fault.offset, truncated: fault.truncated, lastPartial, toolCall });
  }
}

/** Runs a Standard Schema validator. */
export function validateWith(schema: StandardSchemaV1, value: unknown): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> {
  return schema['~standard'].validate(value);
}

/** The error for a failed validation. */
export function schemaError(issues: readonly StandardSchemaV1.Issue[], text: string, value: unknown, toolCall?: ToolCallRef): SchemaValidationError {
  const what = toolCall === undefined ? 'The JSON answer' : `The arguments of tool call ${toolCall.index} (${toolCall.name})`;
  const first = issues[0];
  const path = first?.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.') ?? '';
  const message =
    `${what} parsed but failed schema validation (${issues.length} issue${issues.length === 1 ? '' : 's'}; ` +
    `first: ${path === '' ? '' : `at ${path}: `}${first?.message ?? 'invalid'}). ` +
    'The parsed document is in `value`, the issues in `issues`; tell the model what was wrong or relax the schema.';
  return new SchemaValidationError(message, { issues, text, value, toolCall });
}
