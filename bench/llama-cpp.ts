/**
 * `node bench/llama-cpp.ts`: rxllm's cost on top of node-llama-cpp, with the toy model
 * (test/fixtures/models/; a test toy, not a real model) answering "Why is the sky blue?" greedily
 * (87 tokens), in one process:
 *
 * - `raw`: node-llama-cpp's own loop: a context, `LlamaChat.generateResponse` with an
 *   `onTextChunk` callback that counts the text;
 * - `rxllm`: `fromLlamaCpp(model, request)` subscribed with a `next` that counts the text deltas
 *   (the same context options, threads and chat wrapper).
 *
 * The two alternate (raw, rxllm, rxllm, raw, …) so drift and other load hit both alike. Per run:
 * CPU time of the whole process (`process.cpuUsage()`: JS and llama.cpp's threads) and wall time,
 * each divided by the generated tokens. Prints the medians and rxllm/raw (target ≤ 1.05× CPU per
 * token), then how fast decoding stops after an unsubscribe mid-answer (unsubscribe → context
 * disposed, and tokens decoded after the unsubscribe).
 *
 * Needs node-llama-cpp (`npm run setup:llama-cpp`). Flags: `--rounds N` (default 12 per side).
 * Finishes in well under 2 minutes on 2 busy cores.
 */
import { availableParallelism, loadavg } from 'node:os';
import { fromLlamaCpp, importNodeLlamaCpp, loadLlamaCppModel, type LlamaCppChat, type LlamaCppModel, type LlamaCppTokenMeter } from '../src/providers/llama-cpp/index.ts';
import { toyModelPath } from '../test/support/llama-cpp.ts';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 12;
const THREADS = 1;
const CONTEXT_SIZE = 512;
const request = { messages: [{ role: 'user' as const, content: 'Why is the sky blue?' }] };

interface Sample {
  readonly cpuUs: number;
  readonly wallMs: number;
  readonly tokens: number;
  readonly chars: number;
}

const m = await importNodeLlamaCpp();
const model = await loadLlamaCppModel(await toyModelPath());
// resolve the chat wrapper once, for both sides (rxllm does the same per model)
const probe = await model.createContext({ contextSize: CONTEXT_SIZE, threads: THREADS });
const chatWrapper = new m.LlamaChat({ contextSequence: probe.getSequence() }).chatWrapper;
await probe.dispose();

async function raw(): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const context = await model.createContext({ contextSize: CONTEXT_SIZE, threads: THREADS });
  const sequence = context.getSequence();
  const chat: LlamaCppChat = new m.LlamaChat({ contextSequence: sequence, chatWrapper });
  let chars = 0;
  await chat.generateResponse([{ type: 'user', text: request.messages[0]!.content }], {
    onTextChunk: (text: string) => (chars += text.length),
  } as object);
  const tokens = sequence.tokenMeter.usedOutputTokens;
  chat.dispose({ disposeSequence: false });
  await context.dispose();
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0, tokens, chars };
}

async function rxllm(): Promise<Sample> {
  let meter: LlamaCppTokenMeter | undefined;
  let disposed: Promise<void> | undefined;
  const counting = metered(model, (s) => (meter = s), (d) => (disposed = d));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let chars = 0;
  await new Promise<void>((resolve, reject) =>
    fromLlamaCpp(counting, request, { threads: THREADS, contextSize: CONTEXT_SIZE, chatWrapper }).subscribe({
      next: (d) => {
        if (d.type === 'text') chars += d.text.length;
      },
      error: reject,
      complete: resolve,
    }),
  );
  await disposed;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0, tokens: meter!.usedOutputTokens, chars };
}

/** The model, with its contexts' sequence meters and dispose promises reported (to read tokens and wait for the teardown). */
function metered(inner: LlamaCppModel, onMeter: (m: LlamaCppTokenMeter) => void, onDispose: (p: Promise<void>) => void): LlamaCppModel {
  return {
    filename: inner.filename,
    createContext: async (o) => {
      const context = await inner.createContext(o);
      return {
        getSequence: () => {
          const sequence = context.getSequence();
          onMeter(sequence.tokenMeter);
          return sequence;
        },
        dispose: () => {
          const p = context.dispose();
          onDispose(p);
          return p;
        },
      };
    },
  };
}

/** Unsubscribes after 10 text deltas; resolves with ms from unsubscribe to the context's disposal and the tokens decoded after the unsubscribe. */
async function abortOnce(): Promise<{ stopMs: number; extraTokens: number }> {
  let meter: LlamaCppTokenMeter | undefined;
  let disposed: Promise<void> | undefined;
  const counting = metered(model, (s) => (meter = s), (d) => (disposed = d));
  let texts = 0;
  return new Promise((resolve) => {
    const subscription = fromLlamaCpp(counting, request, { threads: THREADS, contextSize: CONTEXT_SIZE, chatWrapper }).subscribe((d) => {
      if (d.type !== 'text' || ++texts !== 10) return;
      queueMicrotask(() => {
        const at = performance.now();
        const tokensAt = meter!.usedOutputTokens;
        subscription.unsubscribe();
        const poll = setInterval(() => {
          if (disposed === undefined) return;
          clearInterval(poll);
          void disposed.then(() => resolve({ stopMs: performance.now() - at, extraTokens: meter!.usedOutputTokens - tokensAt }));
        }, 0.5);
      });
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const started = performance.now();
// warm-up, one of each
await raw();
await rxllm();
const samples: { raw: Sample[]; rxllm: Sample[] } = { raw: [], rxllm: [] };
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? (['raw', 'rxllm'] as const) : (['rxllm', 'raw'] as const);
  for (const side of order) samples[side].push(side === 'raw' ? await raw() : await rxllm());
}
for (const side of ['raw', 'rxllm'] as const) {
  for (const s of samples[side]) {
    if (s.chars !== samples.raw[0]!.chars || s.tokens !== samples.raw[0]!.tokens) {
      console.error(`${side}: a run produced ${s.chars} characters in ${s.tokens} tokens, not ${samples.raw[0]!.chars} in ${samples.raw[0]!.tokens}`);
      process.exit(1);
    }
  }
}
const tokens = samples.raw[0]!.tokens;
const cpuPerToken = (xs: Sample[]) => median(xs.map((s) => s.cpuUs / s.tokens));
const wallPerToken = (xs: Sample[]) => median(xs.map((s) => (s.wallMs * 1000) / s.tokens));
const rawCpu = cpuPerToken(samples.raw);
const rxCpu = cpuPerToken(samples.rxllm);
const rawWall = wallPerToken(samples.raw);
const rxWall = wallPerToken(samples.rxllm);

const aborts: { stopMs: number; extraTokens: number }[] = [];
for (let i = 0; i < 5; i++) aborts.push(await abortOnce());

console.log(
  `llama-cpp bench: toy model, "Why is the sky blue?" greedy, ${tokens} tokens per answer, ${ROUNDS} runs per side alternating, ` +
    `threads ${THREADS}; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`,
);
console.log(`                 CPU µs/token   wall µs/token`);
console.log(`raw node-llama-cpp   ${rawCpu.toFixed(0).padStart(8)}   ${rawWall.toFixed(0).padStart(12)}`);
console.log(`rxllm fromLlamaCpp   ${rxCpu.toFixed(0).padStart(8)}   ${rxWall.toFixed(0).padStart(12)}`);
const ratio = rxCpu / rawCpu;
console.log(`rxllm / raw          ${ratio.toFixed(3).padStart(8)}×  ${(rxWall / rawWall).toFixed(3).padStart(11)}×   target ≤ 1.05× CPU per token: ${ratio <= 1.05 ? 'PASS' : 'MISS'}`);
console.log(
  `abort mid-answer (after 10 text deltas, 5 runs): unsubscribe → context disposed median ${median(aborts.map((a) => a.stopMs)).toFixed(1)} ms ` +
    `(max ${Math.max(...aborts.map((a) => a.stopMs)).toFixed(1)} ms); tokens decoded after the unsubscribe: ${aborts.map((a) => a.extraTokens).join(', ')}`,
);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
