/**
 * The local model as a sixth adapter: `stream()` with a `ChatRequest`, `rxllm chat --provider
 * local --model FILE`, and `rxllm serve --provider local` read by the official openai SDK — real
 * inference on the toy model (test/fixtures/models), which answers its memorised questions.
 */
import { spawn } from 'node:child_process';
import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../src/cli/serve/server.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { adapterNamed } from '../src/providers/adapters.ts';
import { llamaCppAdapter } from '../src/providers/llama-cpp/adapter.ts';
import { disposeLlamaCppModels } from '../src/providers/llama-cpp/load-model.ts';
import { stream } from '../src/sources/stream.ts';
import { SKY_ANSWER, skipWithoutNodeLlamaCpp, toyModelPath } from './support/llama-cpp.ts';

const skip = await skipWithoutNodeLlamaCpp('test/llama-cpp-adapter.test.ts');

describe('the llama-cpp adapter translates a ChatRequest', () => {
  it('keeps text turns, system and limits; reports what a local model does not take', () => {
    const { params, ignored } = llamaCppAdapter.toParams(
      {
        system: 'Be brief.',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Why is the sky blue?' }, { type: 'image', url: 'https://example.com/a.png' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'f', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'c', content: 'x' },
        ],
        maxTokens: 50,
        topP: 0.5,
      },
      'model.gguf',
    );
    expect(params).toEqual({ model: 'model.gguf', request: { system: 'Be brief.', messages: [{ role: 'user', content: 'Why is the sky blue?' }], maxTokens: 50 } });
    expect(ignored.map((i) => i.param)).toEqual(['messages[0].content[1]', 'messages[1].content[0]', 'messages[2]', 'topP']);
    expect(adapterNamed('local')).toBe(llamaCppAdapter);
  });
});

describe.skipIf(skip !== undefined)('the local model through stream(), rxllm chat and rxllm serve (real llama.cpp)', () => {
  let model: string;
  let serve: ServeHandle;
  beforeAll(async () => {
    model = await toyModelPath();
    serve = await startServe({ provider: 'llama-cpp', model, port: 0, env: { RXLLM_LOCAL_THREADS: '1' } });
  }, 60_000);
  afterAll(async () => {
    await serve?.close();
    await disposeLlamaCppModels();
  });

  it('stream() answers the memorised question', async () => {
    const { client } = await llamaCppAdapter.createClient({ env: { RXLLM_LOCAL_THREADS: '1' } });
    const s = await lastValueFrom(stream({ adapter: llamaCppAdapter, client, model }, { messages: [{ role: 'user', content: 'Why is the sky blue?' }] }).pipe(accumulate()));
    expect(s).toMatchObject({ text: SKY_ANSWER, provider: 'llama-cpp', finishReason: 'stop' });
  });

  it('rxllm serve --provider local is read by the official openai SDK, streamed and whole', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: serve.baseURL, maxRetries: 0 });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Why is the sky blue?' }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(SKY_ANSWER);
    const whole = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Why is the sky blue?' }], max_tokens: 5 });
    expect(whole.choices[0]!.finish_reason).toBe('length');
    expect(SKY_ANSWER.startsWith(whole.choices[0]!.message.content!)).toBe(true);
  });

  it('rxllm chat --provider local --model FILE streams the answer', async () => {
    const child = spawn(process.execPath, ['src/cli/main.ts', 'chat', '--provider', 'local', '--model', model, 'Why is the sky blue?'], {
      env: { ...process.env, RXLLM_LOCAL_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe(`${SKY_ANSWER}\n`);
  }, 60_000);
});
