/**
 * rxllm/llama-cpp with real inference: node-llama-cpp's prebuilt llama.cpp running the toy GGUF
 * model (test/fixtures/models/README.md: 7.3M parameters, memorised answers to 25 questions,
 * greedy sampling, so deterministic). The model is loaded once for the file. Without
 * node-llama-cpp installed (`npm run setup:llama-cpp`) the file is skipped loudly, except on CI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import {
  disposeLlamaCppModels,
  fromLlamaChatSession,
  fromLlamaCpp,
  importNodeLlamaCpp,
  LlamaCppModelError,
  loadLlamaCppModel,
  type LlamaCppChatSession,
  type LlamaCppContext,
  type LlamaCppModel,
  type LlamaCppRequest,
  type LlamaCppTokenMeter,
} from '../src/providers/llama-cpp/index.ts';
import { run } from './support/runs.ts';
import { SKY_ANSWER, THUNDER_ANSWER, toyChatWrapper, skipWithoutNodeLlamaCpp, TOY_MODEL_GZ, toyModelPath } from './support/llama-cpp.ts';

const skip = await skipWithoutNodeLlamaCpp('test/llama-cpp.test.ts');

const sky: LlamaCppRequest = { messages: [{ role: 'user', content: 'Why is the sky blue?' }] };

/** A context as node-llama-cpp makes it, with what the test reads beyond rxllm's wire type. */
type RealContext = LlamaCppContext & { readonly onDispose: { createListener(listener: () => void): unknown }; readonly disposed: boolean };

describe.skipIf(skip !== undefined)('fromLlamaCpp on the toy model (real llama.cpp)', () => {
  let path: string;
  let model: LlamaCppModel;

  beforeAll(async () => {
    path = await toyModelPath();
    model = await loadLlamaCppModel(path);
  });

  afterAll(async () => {
    await disposeLlamaCppModels();
    expect((model as LlamaCppModel & { disposed: boolean }).disposed).toBe(true);
  });

  it('streams the answer token by token through the real decoder, then usage and finish', async () => {
    const times: number[] = [];
    const deltas: Delta[] = [];
    await new Promise<void>((resolve, reject) =>
      fromLlamaCpp(path, sky).subscribe({
        next: (d) => {
          deltas.push(d);
          times.push(performance.now());
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(deltas[0]).toStrictEqual({ type: 'metadata', provider: 'llama-cpp', model: 'toy-qa-llama-6m-f32.gguf' });
    const texts = deltas.filter((d) => d.type === 'text');
    expect(texts.map((d) => d.text).join('')).toBe(SKY_ANSWER);
    const usage = deltas.at(-2);
    expect(usage).toMatchObject({ type: 'usage', inputTokens: 11 });
    expect(deltas.at(-1)).toStrictEqual({ type: 'finish', reason: 'stop', raw: 'eogToken' });
    // one text delta per generated token (the last token is end-of-generation, which has no text)
    const outputTokens = (usage as { outputTokens: number }).outputTokens;
    expect(texts.length).toBe(outputTokens - 1);
    expect(texts.length).toBeGreaterThan(50);
    // as decoded, not all at once: the deltas arrive over many event-loop turns
    const distinct = new Set(times.map((t) => t.toFixed(2))).size;
    expect(distinct).toBeGreaterThan(texts.length / 2);
  });

  it('keeps the rules every source keeps: metadata first, no empty fragment, usage, finish once and last, then complete', async () => {
    const r = await run(fromLlamaCpp(path, { messages: [{ role: 'user', content: 'What is the capital of Japan?' }] }));
    expect(r.completed).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.deltas[0]?.type).toBe('metadata');
    expect(r.deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
    for (const d of r.deltas) if (d.type === 'text' || d.type === 'reasoning') expect(d.text).not.toBe('');
    expect(r.deltas.filter((d) => d.type === 'finish')).toHaveLength(1);
    expect(r.deltas.at(-1)?.type).toBe('finish');
    expect(r.snapshot.text).toBe('The capital of Japan is Tokyo.');
    expect(r.snapshot.usage?.inputTokens).toBeGreaterThan(0);
    expect(r.snapshot.usage?.outputTokens).toBeGreaterThan(0);
    expect(r.snapshot.finishReason).toBe('stop');
  });

  it('ends with finish `length` (raw `maxTokens`) at maxTokens', async () => {
    const r = await run(fromLlamaCpp(path, { ...sky, maxTokens: 5 }));
    expect(r.completed).toBe(true);
    expect(r.snapshot.text).toBe('The sky looks blue because');
    expect(r.snapshot.usage).toStrictEqual({ inputTokens: 11, outputTokens: 5 });
    expect(r.deltas.at(-1)).toStrictEqual({ type: 'finish', reason: 'length', raw: 'maxTokens' });
  });

  it('is cold and shares the loaded model: each subscription generates again, in its own context', async () => {
    const contexts: RealContext[] = [];
    const owned: LlamaCppModel = {
      filename: model.filename,
      createContext: async (o) => {
        const c = (await model.createContext(o)) as RealContext;
        contexts.push(c);
        return c;
      },
    };
    const source = fromLlamaCpp(owned, { ...sky, maxTokens: 3 });
    expect(contexts).toHaveLength(0);
    const [a, b] = await Promise.all([run(source), run(source)]);
    expect(a.snapshot.text).toBe('The sky looks');
    expect(b.snapshot.text).toBe('The sky looks');
    expect(contexts).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(contexts.every((c) => c.disposed)).toBe(true);
    expect(await loadLlamaCppModel(path)).toBe(model);
  });

  it('stops decoding within a token or two of an unsubscribe mid-answer, and disposes the context', async () => {
    let meter: LlamaCppTokenMeter | undefined;
    let disposedAt = 0;
    const owned: LlamaCppModel = {
      filename: model.filename,
      createContext: async (o) => {
        const context = (await model.createContext(o)) as RealContext;
        context.onDispose.createListener(() => (disposedAt = performance.now()));
        return {
          getSequence: () => {
            const sequence = context.getSequence();
            meter = sequence.tokenMeter;
            return sequence;
          },
          dispose: () => context.dispose(),
        };
      },
    };
    let texts = 0;
    let unsubscribedAt = 0;
    const subscription = fromLlamaCpp(owned, sky).subscribe((d) => {
      if (d.type !== 'text' || ++texts !== 10) return;
      queueMicrotask(() => {
        unsubscribedAt = performance.now();
        subscription.unsubscribe();
      });
    });
    await expect.poll(() => disposedAt, { timeout: 5_000, interval: 2 }).toBeGreaterThan(0);
    expect(texts).toBe(10);
    // decoding one token of this model takes ~3 ms on a quiet core; node-llama-cpp checks the signal before each token
    expect(disposedAt - unsubscribedAt).toBeLessThan(250);
    // of the answer's 87 tokens, at most the one being decoded when the abort came was added
    expect(meter?.usedOutputTokens).toBeLessThanOrEqual(texts + 2);
  });

  it('errors with the signal’s reason when options.signal aborts mid-answer, with what had arrived in partial', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    const got: Delta[] = [];
    const error = await new Promise<unknown>((resolve) =>
      fromLlamaCpp(path, sky, { signal: controller.signal }).subscribe({
        next: (d) => {
          got.push(d);
          if (got.length === 4) controller.abort(reason);
        },
        error: resolve,
        complete: () => resolve(new Error('completed')),
      }),
    );
    expect(error).toBe(reason);
    expect(got.filter((d) => d.type === 'finish')).toHaveLength(0);
  });

  it('streams a prompt to a LlamaChatSession the caller owns (the native path)', async () => {
    const m = (await importNodeLlamaCpp()) as unknown as { LlamaChatSession: new (o: { contextSequence: unknown }) => LlamaCppChatSession };
    const context = await model.createContext({ contextSize: 512, threads: 1 });
    try {
      const session = new m.LlamaChatSession({ contextSequence: context.getSequence() });
      const snapshot = await lastValueFrom(fromLlamaChatSession(session, 'What causes thunder?').pipe(accumulate()));
      expect(snapshot.text).toBe(THUNDER_ANSWER);
      expect(snapshot.model).toBe('toy-qa-llama-6m-f32.gguf');
      expect(snapshot.finishReason).toBe('stop');
      expect(snapshot.usage?.inputTokens).toBeGreaterThan(0);
      expect(snapshot.usage?.outputTokens).toBe(29);
    } finally {
      await context.dispose();
    }
  });

  it('thought segments the chat wrapper marks become reasoning deltas, counted in usage', async () => {
    const chatWrapper = toyChatWrapper(await importNodeLlamaCpp(), { thought: { prefix: 'The sky', suffix: ' because' } });
    const r = await run(fromLlamaCpp(path, { ...sky, maxTokens: 12 }, { chatWrapper }));
    expect(r.snapshot.reasoning).toBe(' looks blue');
    expect(r.snapshot.text.trim()).toBe('sunlight is scattered by the molecules of');
    expect(r.deltas.filter((d) => d.type === 'reasoning').map((d) => d.text)).toStrictEqual([' looks', ' blue']);
    expect(r.snapshot.usage).toStrictEqual({ inputTokens: 11, outputTokens: 12, reasoningTokens: 2 });
    expect(r.snapshot.finishReason).toBe('length');
  });

  it('function calls become tool calls, streamed from node-llama-cpp\'s function-calling grammar (a wrapper that supports them)', async () => {
    const chatWrapper = toyChatWrapper(await importNodeLlamaCpp(), { functionCalls: true });
    const tool = { name: 'blue', description: 'Says why the sky is blue', parameters: { type: 'object', properties: { cause: { enum: ['scattering', 'reflection'] } } } };
    const r = await run(fromLlamaCpp(path, { ...sky, tools: [tool], maxTokens: 60 }, { chatWrapper }));
    expect(r.completed).toBe(true);
    const types = r.deltas.map((d) => d.type);
    expect(types.filter((t) => t === 'tool-call-start')).toHaveLength(1);
    expect(types.filter((t) => t === 'tool-call-delta').length).toBeGreaterThan(3); // the params stream piece by piece
    expect(types.indexOf('tool-call-end')).toBeGreaterThan(types.lastIndexOf('tool-call-delta'));
    const [call] = r.snapshot.toolCalls;
    expect(call).toMatchObject({ index: 0, name: 'blue', complete: true });
    expect(['scattering', 'reflection']).toContain((call?.args as { cause: string }).cause);
    expect(r.deltas.at(-1)).toStrictEqual({ type: 'finish', reason: 'tool-calls', raw: 'functionCalls' });
  });

  it('the README example runs (examples/providers.ts llama-cpp <model>)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['examples/providers.ts', 'llama-cpp', path], { timeout: 15_000 });
    expect(stdout).toContain(SKY_ANSWER);
    expect(stdout).toContain('outputTokens: 87');
  });

  it('take(n) stops the source after n deltas', async () => {
    const deltas = await lastValueFrom(fromLlamaCpp(path, sky).pipe(take(3), toArray()));
    expect(deltas.map((d) => d.type)).toStrictEqual(['metadata', 'text', 'text']);
  });
});

// checked before node-llama-cpp is imported: these run everywhere
describe('fromLlamaCpp model file errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxllm-llama-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function errorOf(path: string): Promise<unknown> {
    const r = await run(fromLlamaCpp(path, sky));
    expect(r.deltas).toStrictEqual([]);
    return r.error;
  }

  it('a missing file: LlamaCppModelError model-not-found, a ProviderError that says what to do', async () => {
    const path = join(dir, 'missing.gguf');
    const error = await errorOf(path);
    expect(error).toBeInstanceOf(LlamaCppModelError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'model-not-found', path, provider: 'llama-cpp', retryable: false, partial: undefined });
    expect((error as Error).message).toContain(path);
  });

  it('a gzipped model: model-invalid, saying to decompress it', async () => {
    const error = await errorOf(TOY_MODEL_GZ);
    expect(error).toMatchObject({ name: 'LlamaCppModelError', code: 'model-invalid', path: TOY_MODEL_GZ });
    expect((error as Error).message).toMatch(/gunzip/);
  });

  it('a directory: model-unreadable', async () => {
    expect(await errorOf(dir)).toMatchObject({ name: 'LlamaCppModelError', code: 'model-unreadable', path: dir });
  });
});
