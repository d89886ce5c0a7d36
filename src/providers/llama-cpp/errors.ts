/**
 * Local model errors → rxllm's typed errors: a model file that is missing, unreadable or not a
 * GGUF file, `node-llama-cpp` not installed, and failures of llama.cpp itself.
 * @module
 */
import { ProviderError, type RxllmError, type RxllmErrorOptions } from '../../core/errors.ts';
import { clause } from '../../core/error-classification.ts';

const PROVIDER = 'llama-cpp';

/**
 * Why a local model could not be used (`LlamaCppModelError.code`):
 * - `model-not-found`: no file at the path;
 * - `model-unreadable`: the path is a directory, or the file cannot be read (permissions);
 * - `model-invalid`: the file is not a GGUF model (also: still gzip-compressed);
 * - `model-load-failed`: llama.cpp could not load it (unsupported architecture, out of memory, …);
 * - `node-llama-cpp-missing`: the optional peer dependency `node-llama-cpp` is not installed;
 * - `backend-unavailable`: node-llama-cpp has no prebuilt llama.cpp binary for this machine and GPU setting.
 */
export type LlamaCppModelErrorCode =
  | 'model-not-found'
  | 'model-unreadable'
  | 'model-invalid'
  | 'model-load-failed'
  | 'node-llama-cpp-missing'
  | 'backend-unavailable';

/**
 * A local model could not be loaded: the file is missing, unreadable or not GGUF, llama.cpp
 * failed to load it, or `node-llama-cpp` is not installed. A `ProviderError` (provider
 * `llama-cpp`, never retryable) whose `code` says which, and whose `path` is the model file's
 * absolute path (`undefined` when the error is not about a file).
 */
export class LlamaCppModelError extends ProviderError {
  override name: string = 'LlamaCppModelError';
  declare readonly code: LlamaCppModelErrorCode;
  /** The model file's absolute path, when the error is about one. */
  readonly path: string | undefined;

  constructor(message: string, options: RxllmErrorOptions & { readonly code: LlamaCppModelErrorCode; readonly path?: string | undefined }) {
    super(message, { ...options, provider: PROVIDER, retryable: false });
    this.path = options.path;
  }
}

/**
 * Maps an error thrown by node-llama-cpp while creating a context or generating to a
 * non-retryable `ProviderError` (provider `llama-cpp`, `code` = the error's name, such as
 * `InsufficientMemoryError`), keeping the error in `cause`.
 */
export function mapLlamaCppError(error: unknown): RxllmError {
  const name = error instanceof Error ? error.name : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  const memory = /memory|VRAM/i.test(detail) || name === 'InsufficientMemoryError';
  return new ProviderError(
    `llama-cpp generation failed: ${clause(detail)}. ` +
      (memory
        ? 'The model does not fit: choose a smaller `contextSize` or a smaller (more quantized) model.'
        : 'The error from node-llama-cpp is in `cause`.'),
    { provider: PROVIDER, code: name, retryable: false, cause: error },
  );
}
