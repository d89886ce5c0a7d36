/**
 * `fromLlamaCpp` and `fromLlamaChatSession`: a local GGUF model, run in-process by
 * node-llama-cpp, as a cold `Observable<Delta>`.
 * @module
 */
import { basename } from 'node:path';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { createSource, type Sink } from '../../sources/create-source.ts';
import { LlamaCppResponseMapper } from './decode-stream.ts';
import { mapLlamaCppError } from './errors.ts';
import { defaultThreads, importNodeLlamaCpp, loadLlamaCppModel, type LlamaCppGpu } from './load-model.ts';
import { toLlamaChatHistory, toLlamaFunctions, type LlamaCppRequest } from './to-chat-history.ts';
import type { LlamaCppChat, LlamaCppChatSession, LlamaCppContextOptions, LlamaCppModel, LlamaCppTokenMeter, NodeLlamaCppModule } from './wire.ts';

const PROVIDER = 'llama-cpp';

/** The chat wrapper node-llama-cpp resolved for each model, reused by later subscriptions. */
const chatWrappers = new WeakMap<LlamaCppModel, object>();

/** Options of {@link fromLlamaCpp}. */
export interface FromLlamaCppOptions {
  /** Aborts generation; the source then errors with the signal's reason. Unsubscribing also aborts. */
  readonly signal?: AbortSignal;
  /** With a model path: `false` (default) runs on the CPU; `'auto'`, `'cuda'`, `'vulkan'`, `'metal'` ask for a GPU build (installed apart). */
  readonly gpu?: LlamaCppGpu;
  /** Decoding threads of each subscription's context (default {@link defaultThreads}: the free cores, at least 1). */
  readonly threads?: number;
  /** Context size in tokens of each subscription's context (default `{ max: 8192 }`: up to 8192, less if the model's own is smaller or memory is short). */
  readonly contextSize?: LlamaCppContextOptions['contextSize'];
  /**
   * A node-llama-cpp `ChatWrapper` instance (for example a `JinjaTemplateChatWrapper` or one with
   * function calling). Default: the one node-llama-cpp resolves from the model's metadata,
   * resolved once per model (resolving costs ~0.5 s of CPU) and shared by later subscriptions.
   */
  readonly chatWrapper?: object;
  /**
   * More of node-llama-cpp's own `LlamaChat.generateResponse` options (`topK`, `topP`, `minP`,
   * `repeatPenalty`, `customStopTriggers`, `budgets`, …), passed unchanged. rxllm sets `signal`,
   * `stopOnAbortSignal`, the callbacks and `functions` itself.
   */
  readonly generateOptions?: Readonly<Record<string, unknown>>;
}

/** Options of {@link fromLlamaChatSession}. */
export interface FromLlamaChatSessionOptions {
  /** Aborts generation; the source then errors with the signal's reason. Unsubscribing also aborts. */
  readonly signal?: AbortSignal;
  /** node-llama-cpp's own `promptWithMeta` options (`maxTokens`, `temperature`, `seed`, `topK`, …), passed unchanged; rxllm sets `signal`, `stopOnAbortSignal` and `onResponseChunk`. */
  readonly promptOptions?: Readonly<Record<string, unknown>>;
}

interface Loaded {
  readonly model: LlamaCppModel;
  readonly module: NodeLlamaCppModule;
}

/**
 * One response of a local GGUF model as a cold `Observable<Delta>`: each subscription generates
 * one answer in-process with node-llama-cpp, in a context of its own; unsubscribing aborts
 * generation.
 *
 * <span class="informal">A model on this machine, streamed like any provider.</span>
 *
 * `model` is a path to a `.gguf` file or a model the caller loaded (`llama.loadModel(...)`; the
 * caller owns it). A path is checked and loaded once per path (see `loadLlamaCppModel`: CPU
 * only unless `gpu` says otherwise, prebuilt binaries only) and stays loaded for later
 * subscriptions. Each subscription creates a context with `threads` decoding threads
 * (`defaultThreads()`: the free cores) and disposes it when generation ends, errors or is
 * aborted. `request` is provider-neutral (see `toLlamaChatHistory`); the model's chat template
 * (node-llama-cpp's chat wrapper, picked from the GGUF metadata) formats it.
 *
 * Deltas: `metadata` (provider `llama-cpp`, model = the file name), then `text` as tokens are
 * decoded, `reasoning` for the thought segments the chat wrapper marks, tool calls (as their
 * params stream) where the chat wrapper supports function calling, then `usage` (input and
 * output tokens from the sequence's token meter; reasoning tokens) and `finish` (`stop`,
 * `length` at `maxTokens`, `tool-calls`; `raw` = node-llama-cpp's stop reason); see
 * `LlamaCppResponseMapper`.
 *
 * On unsubscribe the abort signal goes into node-llama-cpp, which stops before the next token
 * (within one token's decoding time), then the context is disposed.
 *
 * Errors (carrying `partial` once anything arrived):
 * - `LlamaCppModelError` (a `ProviderError`): the model file is missing, unreadable, not GGUF or
 *   fails to load, or node-llama-cpp is not installed; `code` says which, the message what to do;
 * - `ProviderError` (provider `llama-cpp`): llama.cpp failed while creating the context or generating;
 * - the `signal`'s reason when `options.signal` aborts.
 *
 * @example
 * ```ts
 * fromLlamaCpp('./models/qwen3-1.7b-q4_k_m.gguf', { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 200 })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see https://node-llama-cpp.withcat.ai/guide/
 * @param model A `.gguf` path, or a loaded node-llama-cpp `LlamaModel`.
 * @param request The system prompt, messages, `maxTokens`, `temperature`, `seed`, `tools`.
 * @param options `signal`, `gpu`, `threads`, `contextSize`, `chatWrapper`, `generateOptions`.
 * @return A cold Observable of the response's deltas.
 */
export function fromLlamaCpp(model: string | LlamaCppModel, request: LlamaCppRequest, options: FromLlamaCppOptions = {}): Observable<Delta> {
  const name = typeof model === 'string' ? basename(model) : model.filename;
  return createSource<Loaded>({
    provider: PROVIDER,
    signal: options.signal,
    // the model first: a wrong path is reported as such even where node-llama-cpp is missing
    start: async () => {
      const loaded = typeof model === 'string' ? await loadLlamaCppModel(model, options.gpu === undefined ? {} : { gpu: options.gpu }) : model;
      return { model: loaded, module: await importNodeLlamaCpp() };
    },
    read: (loaded, sink, signal) => generate(loaded, name, request, options, sink, signal),
    mapError: mapLlamaCppError,
  });
}

async function generate(
  { model, module }: Loaded,
  name: string | undefined,
  request: LlamaCppRequest,
  options: FromLlamaCppOptions,
  sink: Sink,
  signal: AbortSignal,
): Promise<void> {
  const context = await model.createContext({ contextSize: options.contextSize ?? { max: 8192 }, threads: options.threads ?? defaultThreads() });
  let chat: LlamaCppChat | undefined;
  try {
    if (sink.closed) return;
    const sequence = context.getSequence();
    const chatWrapper = options.chatWrapper ?? chatWrappers.get(model);
    chat = new module.LlamaChat(chatWrapper === undefined ? { contextSequence: sequence } : { contextSequence: sequence, chatWrapper });
    if (chatWrapper === undefined) chatWrappers.set(model, chat.chatWrapper);
    sink.next(name === undefined ? { type: 'metadata', provider: PROVIDER } : { type: 'metadata', provider: PROVIDER, model: name });
    const mapper = new LlamaCppResponseMapper(sink);
    const functions = toLlamaFunctions(request.tools);
    const result = await chat.generateResponse(toLlamaChatHistory(request), {
      ...options.generateOptions,
      ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(functions === undefined ? {} : { functions, onFunctionCallParamsChunk: (c) => mapper.onFunctionCallParamsChunk(c) }),
      signal,
      stopOnAbortSignal: false,
      onResponseChunk: (c) => mapper.onResponseChunk(c),
    });
    if (sink.closed) return;
    mapper.end(result.metadata.stopReason, usageOf(sequence.tokenMeter), result.functionCalls);
  } finally {
    chat?.dispose({ disposeSequence: false });
    void context.dispose().catch(() => {});
  }
}

/**
 * One prompt to a node-llama-cpp `LlamaChatSession` the caller owns, as a cold
 * `Observable<Delta>`: each subscription calls `session.promptWithMeta(prompt)` once, so the
 * session's own history grows turn by turn; unsubscribing aborts generation.
 *
 * <span class="informal">Your own chat session, streamed as rxllm deltas.</span>
 *
 * The native path: the session's chat wrapper, context and history stay the caller's, and
 * `promptOptions` are node-llama-cpp's own. Deltas as for {@link fromLlamaCpp} (text, thought
 * segments as reasoning, usage from the token meter's growth during this prompt, finish), without
 * tool calls: a session runs its functions' handlers itself. `metadata.model` is the session
 * model's file name. Only one prompt runs on a session at a time (node-llama-cpp's rule).
 *
 * Errors: `ProviderError` (provider `llama-cpp`) when generation fails; the `signal`'s reason
 * when `options.signal` aborts.
 *
 * @example
 * ```ts
 * const session = new LlamaChatSession({ contextSequence: context.getSequence() });
 * fromLlamaChatSession(session, 'Why is the sky blue?', { promptOptions: { maxTokens: 200 } })
 *   .subscribe((d) => d.type === 'text' && process.stdout.write(d.text));
 * ```
 *
 * @see https://node-llama-cpp.withcat.ai/api/classes/LlamaChatSession
 * @param session A `LlamaChatSession`.
 * @param prompt The user's message.
 * @param options `signal`, `promptOptions`.
 * @return A cold Observable of the response's deltas.
 */
export function fromLlamaChatSession(session: LlamaCppChatSession, prompt: string, options: FromLlamaChatSessionOptions = {}): Observable<Delta> {
  return createSource<LlamaCppChatSession>({
    provider: PROVIDER,
    signal: options.signal,
    start: async () => session,
    read: async (s, sink, signal) => {
      const meter = s.sequence.tokenMeter;
      const before = usageOf(meter);
      const name = s.model?.filename;
      sink.next(name === undefined ? { type: 'metadata', provider: PROVIDER } : { type: 'metadata', provider: PROVIDER, model: name });
      const mapper = new LlamaCppResponseMapper(sink);
      const result = await s.promptWithMeta(prompt, {
        ...options.promptOptions,
        signal,
        stopOnAbortSignal: false,
        onResponseChunk: (c) => mapper.onResponseChunk(c),
      });
      if (sink.closed) return;
      const after = usageOf(meter);
      mapper.end(result.stopReason, { inputTokens: after.inputTokens - before.inputTokens, outputTokens: after.outputTokens - before.outputTokens });
    },
    mapError: mapLlamaCppError,
  });
}

function usageOf(meter: LlamaCppTokenMeter): { inputTokens: number; outputTokens: number } {
  return { inputTokens: meter.usedInputTokens, outputTokens: meter.usedOutputTokens };
}
