/**
 * The local-model adapter: a GGUF file run in-process by node-llama-cpp.
 * @module
 */
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { ProviderSetupError } from '../../core/errors.ts';
import { lazySource } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import type { LlamaCppGpu } from './load-model.ts';
import { type LlamaCppParams, toLlamaCppParams } from './to-params.ts';

/** The adapter's "client": how models are run, and the model file used when a request names none. */
export interface LlamaCppClient {
  /** The GGUF file of `RXLLM_LOCAL_MODEL`, used when the request's model is `''`. */
  readonly defaultModel: string | undefined;
  /** `RXLLM_LOCAL_GPU` (`auto`, `cuda`, `vulkan`, `metal`), else the CPU. */
  readonly gpu: LlamaCppGpu;
  /** `RXLLM_LOCAL_THREADS`, else the free cores. */
  readonly threads: number | undefined;
}

/**
 * Local models: `fromLlamaCpp` over node-llama-cpp (an optional peer; `npm run setup:llama-cpp`
 * in this repository). The model is a GGUF file path: the request's model (`--model
 * ./model.gguf`), else `RXLLM_LOCAL_MODEL`. `--provider local` names it too.
 */
export const llamaCppAdapter: ProviderAdapter<LlamaCppClient, LlamaCppParams> = {
  name: 'llama-cpp',
  aliases: ['local'],
  description: 'a GGUF model run in-process by node-llama-cpp (--model ./model.gguf)',
  sdkPackage: 'node-llama-cpp',
  defaultModel: '',
  environment: { keys: ['RXLLM_LOCAL_MODEL'], keyHelp: 'a GGUF file on this machine (--model ./model.gguf)' },
  async createClient(config) {
    const gpu = config.env.RXLLM_LOCAL_GPU;
    const threads = Number(config.env.RXLLM_LOCAL_THREADS);
    return {
      client: {
        defaultModel: config.env.RXLLM_LOCAL_MODEL || undefined,
        gpu: gpu === 'auto' || gpu === 'cuda' || gpu === 'vulkan' || gpu === 'metal' ? gpu : false,
        threads: Number.isInteger(threads) && threads > 0 ? threads : undefined,
      },
      endpoint: 'in-process (node-llama-cpp)',
    };
  },
  toParams: toLlamaCppParams,
  source(client, params, options = {}): Observable<Delta> {
    const path = params.model || client.defaultModel;
    if (path === undefined) {
      const error = new ProviderSetupError('llama-cpp needs a model file: pass --model ./model.gguf (or the model of the request), or set RXLLM_LOCAL_MODEL.', {
        provider: 'llama-cpp',
        reason: 'missing-credentials',
        variables: ['RXLLM_LOCAL_MODEL'],
      });
      return lazySource(() => Promise.reject(error), () => undefined as never);
    }
    return lazySource(
      () => import('./from-llama-cpp.ts'),
      (m) =>
        m.fromLlamaCpp(path, params.request, {
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          gpu: client.gpu,
          ...(client.threads === undefined ? {} : { threads: client.threads }),
        }),
    );
  },
};
