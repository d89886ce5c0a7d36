/**
 * Loading local GGUF models with node-llama-cpp: the optional peer dependency imported on first
 * use, the model file checked before llama.cpp reads it, one loaded model per path and GPU
 * setting, and a thread count from the cores that are free.
 * @module
 */
import { open } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import { clause } from '../../core/error-classification.ts';
import { LlamaCppModelError } from './errors.ts';
import type { LlamaCppGetLlamaOptions, LlamaCppLlama, LlamaCppModel, NodeLlamaCppModule } from './wire.ts';

/** Where llama.cpp runs: `false` (the default) for the CPU, or a GPU backend (`'auto'` picks one). */
export type LlamaCppGpu = NonNullable<LlamaCppGetLlamaOptions['gpu']>;

/** Options of {@link loadLlamaCppModel}. */
export interface LoadLlamaCppModelOptions {
  /** `false` (default): CPU only. `'auto'`, `'cuda'`, `'vulkan'`, `'metal'`: a GPU build, which must be installed (rxllm never builds llama.cpp). */
  readonly gpu?: LlamaCppGpu;
}

// a variable, so that TypeScript and bundlers leave the optional peer dependency alone
const MODULE_NAME = 'node-llama-cpp';
let modulePromise: Promise<NodeLlamaCppModule> | undefined;
const llamas = new Map<string, Promise<LlamaCppLlama>>();
const models = new Map<string, Promise<LlamaCppModel>>();

/**
 * Imports `node-llama-cpp` once. Rejects with `LlamaCppModelError` (`node-llama-cpp-missing`)
 * saying how to install it when it is not installed.
 */
export function importNodeLlamaCpp(): Promise<NodeLlamaCppModule> {
  modulePromise ??= (import(/* @vite-ignore */ MODULE_NAME) as Promise<NodeLlamaCppModule>).catch((err: unknown) => {
    modulePromise = undefined;
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    // Node's codes; bundlers (Vite: "Could not resolve") throw their own
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)|Could not resolve/.test(message);
    throw new LlamaCppModelError(
      missing
        ? 'rxllm/llama-cpp needs the optional peer dependency node-llama-cpp, which is not installed: run `npm i node-llama-cpp` ' +
            '(it brings prebuilt llama.cpp binaries; rxllm runs the CPU one unless `gpu` is set).'
        : `node-llama-cpp could not be loaded: ${clause(message)}. Reinstall it (\`npm i node-llama-cpp\`); the error is in \`cause\`.`,
      { code: 'node-llama-cpp-missing', cause: err },
    );
  });
  return modulePromise;
}

/**
 * The number of threads to decode with: the cores not busy (cores minus the 1-minute load
 * average, rounded), at least 1 and at most all cores but one. More threads than free cores make
 * llama.cpp's threads wait on each other: on a busy 2-core machine 4 threads gave 0.3 tokens/s
 * where 1 thread gave ~300.
 *
 * @param cores The machine's cores (default `os.availableParallelism()`).
 * @param load The 1-minute load average (default `os.loadavg()[0]`).
 * @return A thread count ≥ 1.
 */
export function defaultThreads(cores: number = availableParallelism(), load: number = loadavg()[0] ?? 0): number {
  return Math.max(1, Math.min(cores - 1, Math.round(cores - load)));
}

/**
 * Checks that `path` is a readable GGUF file before llama.cpp reads it (llama.cpp trusts the
 * header it finds: a damaged file can make it allocate gigabytes). Rejects with
 * `LlamaCppModelError` saying what is wrong and what to do.
 *
 * @param path The model file, absolute.
 */
export async function checkModelFile(path: string): Promise<void> {
  const magic = new Uint8Array(4);
  let bytesRead = 0;
  try {
    const file = await open(path, 'r');
    try {
      ({ bytesRead } = await file.read(magic, 0, 4, 0));
    } finally {
      await file.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LlamaCppModelError(
        `No model file at ${path}: check the path (a relative path resolves against the working directory, ${process.cwd()}), ` +
          'or download a GGUF model (for example from huggingface.co) and pass its path.',
        { code: 'model-not-found', path, cause: err },
      );
    }
    const what = code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`;
    throw new LlamaCppModelError(`The model path ${path} ${what}: pass the path of a .gguf file that this process can read.`, {
      code: 'model-unreadable',
      path,
      cause: err,
    });
  }
  if (bytesRead === 4 && magic[0] === 0x47 && magic[1] === 0x47 && magic[2] === 0x55 && magic[3] === 0x46) return; // "GGUF"
  const gzip = bytesRead >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  throw new LlamaCppModelError(
    gzip
      ? `The model file ${path} is gzip-compressed: decompress it first (\`gunzip -k ${basename(path)}\`) and pass the .gguf file.`
      : `The file ${path} is not a GGUF model (it does not start with "GGUF"): pass a llama.cpp GGUF file (.gguf); other formats must be converted first.`,
    { code: 'model-invalid', path },
  );
}

/**
 * Loads a GGUF model with node-llama-cpp, once per absolute path and GPU setting: later calls
 * (and later subscriptions of `fromLlamaCpp`) share the loaded model. The file is checked first
 * ({@link checkModelFile}); a failed load is not cached, so a later call tries again.
 * `getLlama` runs with `build: 'never'`: the prebuilt binaries only, never a build from source.
 *
 * @param path The `.gguf` file (relative paths resolve against the working directory).
 * @param options `gpu` (default `false`: CPU only).
 * @return The loaded model; it stays loaded until {@link disposeLlamaCppModels}.
 */
export function loadLlamaCppModel(path: string, options: LoadLlamaCppModelOptions = {}): Promise<LlamaCppModel> {
  const gpu = options.gpu ?? false;
  const absolute = resolve(path);
  const key = `${String(gpu)}\0${absolute}`;
  let model = models.get(key);
  if (model === undefined) {
    model = (async () => {
      await checkModelFile(absolute);
      const llama = await getLlamaFor(gpu);
      try {
        return await llama.loadModel({ modelPath: absolute });
      } catch (err) {
        throw new LlamaCppModelError(
          `llama.cpp could not load ${absolute}: ${clause(err instanceof Error ? err.message : String(err))}. ` +
            'Check that it is a complete GGUF file of an architecture this node-llama-cpp version supports, and that it fits in memory.',
          { code: 'model-load-failed', path: absolute, cause: err },
        );
      }
    })();
    models.set(key, model);
    model.catch(() => models.delete(key));
  }
  return model;
}

/**
 * Unloads every model {@link loadLlamaCppModel} loaded (awaiting each model's `dispose`), so a
 * long-running process can free their memory. Later loads load again.
 */
export async function disposeLlamaCppModels(): Promise<void> {
  const loaded = [...models.values()];
  models.clear();
  await Promise.all(loaded.map((m) => m.then((model) => (model as { dispose?: () => Promise<void> }).dispose?.(), () => {})));
}

function getLlamaFor(gpu: LlamaCppGpu): Promise<LlamaCppLlama> {
  const key = String(gpu);
  let llama = llamas.get(key);
  if (llama === undefined) {
    llama = importNodeLlamaCpp().then((m) =>
      m.getLlama({ gpu, build: 'never' }).catch((err: unknown) => {
        throw new LlamaCppModelError(
          `node-llama-cpp has no usable llama.cpp binary for gpu: ${JSON.stringify(gpu)} (${clause(err instanceof Error ? err.message : String(err))}). ` +
            (gpu === false
              ? 'Install the prebuilt package for this platform (on Linux x64: `npm i @node-llama-cpp/linux-x64`).'
              : 'Install node-llama-cpp with its GPU packages (`npm i node-llama-cpp`, without --omit=optional), or use `gpu: false`.'),
          { code: 'backend-unavailable', cause: err },
        );
      }),
    );
    llamas.set(key, llama);
    llama.catch(() => llamas.delete(key));
  }
  return llama;
}
