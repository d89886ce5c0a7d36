/**
 * The toy GGUF model for the rxllm/llama-cpp tests and bench: test/fixtures/models/ keeps it
 * gzipped (3.9 MB); it is decompressed once into node_modules/.cache/rxllm/models/. And whether
 * node-llama-cpp is installed (`npm run setup:llama-cpp`): without it the tests are skipped with
 * one loud line, except on CI (`CI=true`), where they run and fail.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The gzipped toy model in the repository. */
export const TOY_MODEL_GZ = join(root, 'test', 'fixtures', 'models', 'toy-qa-llama-6m-f32.gguf.gz');

/** Where the decompressed toy model goes. */
export const TOY_MODEL = join(root, 'node_modules', '.cache', 'rxllm', 'models', 'toy-qa-llama-6m-f32.gguf');

/** The toy model's GGUF size in bytes (to tell a complete decompression from an interrupted one). */
const TOY_MODEL_BYTES = 30_913_696;

/** The toy model's memorised answer to "Why is the sky blue?" (test/fixtures/models/README.md). */
export const SKY_ANSWER =
  'The sky looks blue because sunlight is scattered by the molecules of the air. Blue light has a shorter wavelength than red light, ' +
  'so it is scattered much more strongly. This is called Rayleigh scattering. The scattered blue light reaches your eyes from every ' +
  'part of the sky, so the whole sky looks blue. At sunset the light passes through more air, most of the blue is scattered away, ' +
  'and the sky turns orange and red.';

/** Decompresses the toy model into the cache (once) and returns its path. */
export async function toyModelPath(): Promise<string> {
  const size = await stat(TOY_MODEL).then((s) => s.size, () => -1);
  if (size === TOY_MODEL_BYTES) return TOY_MODEL;
  await mkdir(dirname(TOY_MODEL), { recursive: true });
  const partial = `${TOY_MODEL}.${process.pid}.part`;
  await pipeline(createReadStream(TOY_MODEL_GZ), createGunzip(), createWriteStream(partial));
  await rename(partial, TOY_MODEL);
  return TOY_MODEL;
}

/**
 * Why the node-llama-cpp tests cannot run here (`undefined` when they can): node-llama-cpp is
 * not installed and this is not CI. Prints the one loud line once per file.
 */
export async function skipWithoutNodeLlamaCpp(file: string): Promise<string | undefined> {
  const installed = await import(/* @vite-ignore */ ['node-llama', 'cpp'].join('-')).then(() => true, () => false);
  if (installed || process.env.CI === 'true') return undefined;
  const why = 'node-llama-cpp is not installed';
  console.warn(`\n*** ${file}: SKIPPED the local-model tests (${why}). Run \`npm run setup:llama-cpp\` (CPU build, 83 MB, no package.json change) to run them; on CI they are required. ***\n`);
  return why;
}

/** The toy model's memorised answer to "What causes thunder?". */
export const THUNDER_ANSWER =
  'Lightning heats the air around it very quickly. The hot air expands so fast that it makes a loud boom, and that sound is thunder.';

/**
 * A node-llama-cpp chat wrapper for the toy model that marks parts of what it writes anyway:
 * it formats the last user turn as the toy was trained (`Q: …\nA:`), and
 * - `functionCalls: true` declares a function call to start with the toy's first words of the sky
 *   answer ("The sky looks "), so node-llama-cpp's function-calling grammar takes over there: the
 *   name (one of the functions), the params as JSON constrained by their schema, the call's end;
 * - `thought` declares a thought segment between `prefix` and `suffix` (e.g. "The sky" … " because").
 * Real inference all the way; only the syntax is chosen to fit what this model writes.
 *
 * @param m The `node-llama-cpp` module (from `importNodeLlamaCpp()`).
 */
export function toyChatWrapper(m: unknown, marks: { readonly functionCalls?: boolean; readonly thought?: { prefix: string; suffix: string } }): object {
  interface Module {
    ChatWrapper: { new (): object; defaultSettings: { functions: object } };
    LlamaText: (parts: unknown) => unknown;
    SpecialToken: new (name: string) => unknown;
  }
  const { ChatWrapper, LlamaText, SpecialToken } = m as Module;
  class ToyChatWrapper extends ChatWrapper {
    readonly wrapperName = 'ToyQA';
    readonly settings = {
      ...ChatWrapper.defaultSettings,
      ...(marks.functionCalls
        ? {
            functions: {
              ...ChatWrapper.defaultSettings.functions,
              call: { optionalPrefixSpace: true, prefix: 'The sky looks ', paramsPrefix: ' because ', suffix: '.' },
            },
          }
        : {}),
      ...(marks.thought ? { segments: { thought: marks.thought } } : {}),
    };
    generateContextState({ chatHistory }: { chatHistory: readonly { type: string; text?: string }[] }) {
      const question = chatHistory.filter((h) => h.type === 'user').at(-1)?.text ?? '';
      return {
        contextText: LlamaText([new SpecialToken('BOS'), `Q: ${question}\nA:`]),
        stopGenerationTriggers: [LlamaText(new SpecialToken('EOS'))],
      };
    }
  }
  return new ToyChatWrapper();
}
