/**
 * Minimal types of what rxllm reads from and passes to `node-llama-cpp` (3.x): only the fields
 * used, written here so that rxllm builds and type-checks without the optional peer dependency
 * installed. node-llama-cpp's own objects (`LlamaModel`, `LlamaChatSession`, …) fit them.
 *
 * @see https://node-llama-cpp.withcat.ai/api/classes/LlamaChat
 * @module
 */

/** A generated token id. */
export type LlamaCppToken = number;

/** A chunk of the response as `onResponseChunk` gives it: plain text, or a segment (`thought`, `comment`). */
export interface LlamaCppResponseChunk {
  /** `undefined` for the main response, `'segment'` for a part the chat wrapper marks. */
  readonly type: 'segment' | undefined;
  /** `'thought'` for the model's reasoning, `'comment'` for commentary; `undefined` for the main response. */
  readonly segmentType: string | undefined;
  readonly text: string;
  readonly tokens: readonly LlamaCppToken[];
}

/** A piece of a function call's JSON params as `onFunctionCallParamsChunk` gives it. */
export interface LlamaCppFunctionCallParamsChunk {
  /** The call's position among the calls of this response. */
  readonly callIndex: number;
  readonly functionName: string;
  /** The next piece of the params' JSON text (may be empty). */
  readonly paramsChunk: string;
  /** True once the call's params are complete. */
  readonly done: boolean;
}

/** One function call of a finished response. */
export interface LlamaCppFunctionCall {
  readonly functionName: string;
  readonly params: unknown;
}

/** Why generation stopped (`LlamaChatResponse.metadata.stopReason`). */
export type LlamaCppStopReason = 'eogToken' | 'stopGenerationTrigger' | 'functionCalls' | 'maxTokens' | 'abort' | 'customStopTrigger';

/** What `LlamaChat.generateResponse` resolves with (the fields rxllm reads). */
export interface LlamaCppChatResponse {
  readonly response: string;
  readonly functionCalls?: readonly LlamaCppFunctionCall[] | undefined;
  readonly metadata: { readonly stopReason: LlamaCppStopReason | (string & {}) };
}

/** A chat history item as node-llama-cpp takes it. */
export type LlamaCppChatHistoryItem =
  | { readonly type: 'system'; readonly text: string }
  | { readonly type: 'user'; readonly text: string }
  | { readonly type: 'model'; readonly response: string[] };

/** A function the model may call: node-llama-cpp's `ChatModelFunctions` entry (params: a GBNF JSON schema). */
export interface LlamaCppFunction {
  readonly description?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The `LlamaChat.generateResponse` options rxllm sets; `extra` options pass through unchanged. */
export interface LlamaCppGenerateOptions {
  readonly signal?: AbortSignal;
  readonly stopOnAbortSignal?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly seed?: number;
  readonly functions?: Readonly<Record<string, LlamaCppFunction>>;
  readonly onResponseChunk?: (chunk: LlamaCppResponseChunk) => void;
  readonly onFunctionCallParamsChunk?: (chunk: LlamaCppFunctionCallParamsChunk) => void;
}

/** Token counts of a context sequence (`LlamaContextSequence.tokenMeter`). */
export interface LlamaCppTokenMeter {
  readonly usedInputTokens: number;
  readonly usedOutputTokens: number;
}

/** A context sequence (`LlamaContextSequence`). */
export interface LlamaCppSequence {
  readonly tokenMeter: LlamaCppTokenMeter;
}

/** A context (`LlamaContext`): the memory one generation runs in. */
export interface LlamaCppContext {
  getSequence(): LlamaCppSequence;
  dispose(): Promise<void>;
}

/** `LlamaModel.createContext` options rxllm sets. */
export interface LlamaCppContextOptions {
  readonly contextSize?: number | 'auto' | { readonly min?: number; readonly max?: number };
  readonly threads?: number;
}

/** A loaded model (`LlamaModel`). */
export interface LlamaCppModel {
  /** The model file's name (node-llama-cpp: the base name of its path). */
  readonly filename?: string | undefined;
  createContext(options?: LlamaCppContextOptions): Promise<LlamaCppContext>;
}

/** A `LlamaChat`: generates one response to a chat history on a sequence. */
export interface LlamaCppChat {
  /** The chat wrapper in use (resolved from the model's metadata when `'auto'`). */
  readonly chatWrapper: object;
  generateResponse(history: LlamaCppChatHistoryItem[], options?: LlamaCppGenerateOptions): Promise<LlamaCppChatResponse>;
  dispose(options?: { disposeSequence?: boolean }): void;
}

/** What `LlamaChatSession.promptWithMeta` resolves with (the fields rxllm reads). */
export interface LlamaCppPromptResult {
  readonly stopReason: LlamaCppStopReason | (string & {});
}

/** `LlamaChatSession.promptWithMeta` options rxllm sets; other options pass through unchanged. */
export interface LlamaCppPromptOptions {
  readonly signal?: AbortSignal;
  readonly stopOnAbortSignal?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly seed?: number;
  readonly onResponseChunk?: (chunk: LlamaCppResponseChunk) => void;
}

/** A `LlamaChatSession` the caller owns: it keeps the conversation's history across prompts. */
export interface LlamaCppChatSession {
  readonly sequence: LlamaCppSequence;
  /** The session's model (node-llama-cpp: `session.model`), for its file name. */
  readonly model?: { readonly filename?: string | undefined };
  promptWithMeta(prompt: string, options?: LlamaCppPromptOptions): Promise<LlamaCppPromptResult>;
}

/** `getLlama` options rxllm sets. */
export interface LlamaCppGetLlamaOptions {
  readonly gpu?: false | 'auto' | 'cuda' | 'vulkan' | 'metal';
  readonly build?: 'never' | 'auto' | 'forceRebuild' | 'try';
}

/** The llama.cpp binding (`Llama`). */
export interface LlamaCppLlama {
  loadModel(options: { readonly modelPath: string }): Promise<LlamaCppModel>;
}

/** The parts of the `node-llama-cpp` module rxllm uses. */
export interface NodeLlamaCppModule {
  getLlama(options?: LlamaCppGetLlamaOptions): Promise<LlamaCppLlama>;
  LlamaChat: new (options: { contextSequence: LlamaCppSequence; chatWrapper?: 'auto' | object; autoDisposeSequence?: boolean }) => LlamaCppChat;
}
