/**
 * The typed errors of rxllm's structured-output operators (`partialJson`, `jsonPatches`,
 * `toolCallArgs`).
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { RxllmError, type RxllmErrorOptions } from '../core/errors.ts';

/** The tool call a {@link JsonParseError} or {@link SchemaValidationError} of `toolCallArgs` is about. */
export interface ToolCallRef {
  /** Position of the call in the response. */
  readonly index: number;
  readonly id: string;
  readonly name: string;
}

/** Fields of a {@link JsonParseError}. */
export interface JsonParseErrorOptions extends RxllmErrorOptions {
  /** The whole JSON text received (fence and whitespace included), exactly as streamed. */
  readonly text: string;
  /** Offset in `text` of the first character that cannot be JSON (`text.length` when `truncated`). */
  readonly offset: number;
  /** True when the text is a valid beginning of a JSON document that ended too early. */
  readonly truncated: boolean;
  /** The partial value built from the text before the fault (`undefined` when nothing was visible). */
  readonly lastPartial: unknown;
  /** For `toolCallArgs`: the call whose arguments failed. */
  readonly toolCall?: ToolCallRef | undefined;
}

/**
 * A streamed JSON answer did not parse: either it ended before the document was complete
 * (`truncated`, e.g. cut off by the output token limit), or a character cannot be JSON
 * (`offset`). Nothing is repaired: `lastPartial` is what had arrived, never a completed value.
 */
export class JsonParseError extends RxllmError {
  override name: string = 'JsonParseError';
  readonly text: string;
  readonly offset: number;
  readonly truncated: boolean;
  readonly lastPartial: unknown;
  readonly toolCall: ToolCallRef | undefined;

  constructor(message: string, options: JsonParseErrorOptions) {
    super(message, options);
    this.text = options.text;
    this.offset = options.offset;
    this.truncated = options.truncated;
    this.lastPartial = options.lastPartial;
    this.toolCall = options.toolCall;
  }
}

/** Fields of a {@link SchemaValidationError}. */
export interface SchemaValidationErrorOptions extends RxllmErrorOptions {
  /** What the Standard Schema validator reported. */
  readonly issues: readonly StandardSchemaV1.Issue[];
  /** The whole JSON text received, exactly as streamed. */
  readonly text: string;
  /** The parsed document that failed validation. */
  readonly value: unknown;
  /** For `toolCallArgs`: the call whose arguments failed. */
  readonly toolCall?: ToolCallRef | undefined;
}

/** A streamed JSON answer parsed, but the schema rejected it; `issues` say why. */
export class SchemaValidationError extends RxllmError {
  override name: string = 'SchemaValidationError';
  readonly issues: readonly StandardSchemaV1.Issue[];
  readonly text: string;
  readonly value: unknown;
  readonly toolCall: ToolCallRef | undefined;

  constructor(message: string, options: SchemaValidationErrorOptions) {
    super(message, options);
    this.issues = options.issues;
    this.text = options.text;
    this.value = options.value;
    this.toolCall = options.toolCall;
  }
}
