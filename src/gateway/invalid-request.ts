/**
 * The error `rxllm serve` answers a request it refuses with, and its OpenAI-shaped body.
 * @internal
 */

/** What `rxllm serve` answers a refused request with: `{ error: { message, type, param, code } }`. */
export interface InvalidRequestBody {
  readonly error: {
    readonly message: string;
    readonly type: 'invalid_request_error';
    /** The request field at fault (`messages`, `messages[2].content`, `model`), or null. */
    readonly param: string | null;
    /** OpenAI's error code (`missing_required_parameter`, `invalid_type`, `model_not_found`, …), or null. */
    readonly code: string | null;
  };
}

/**
 * A request that `rxllm serve` refuses before any provider is called: bad JSON, a missing or
 * ill-typed field, an unknown model, a body over the size limit, or something the provider's
 * format cannot carry. `status` is the HTTP status (400, or 404 / 405 / 413); `param` names the
 * field, `code` is OpenAI's code for the problem, as OpenAI's own 400s do.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export class InvalidRequestError extends Error {
  readonly status: number;
  readonly param: string | null;
  readonly code: string | null;

  constructor(message: string, options: { readonly param?: string | null; readonly code?: string | null; readonly status?: number } = {}) {
    super(message);
    this.name = 'InvalidRequestError';
    this.status = options.status ?? 400;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }

  /** The OpenAI-shaped JSON body of this error. */
  toBody(): InvalidRequestBody {
    return { error: { message: this.message, type: 'invalid_request_error', param: this.param, code: this.code } };
  }
}

/** `Missing required parameter: 'param'.`, as OpenAI words it. */
export function missing(param: string): InvalidRequestError {
  return new InvalidRequestError(`Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });
}

/** `Invalid type for 'param': expected …, but got … instead.`, as OpenAI words it. */
export function invalidType(param: string, expected: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(`Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`, {
    param,
    code: 'invalid_type',
  });
}

/** A value of the right type that is not allowed; `message` says what is. */
export function invalidValue(param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid value for '${param}': ${message}`, { param, code: 'invalid_value' });
}

/** JSON's name of a value's type, with an article: `a string`, `an array`, `null`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return `a ${typeof value}`;
}
