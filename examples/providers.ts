/**
 * The README's five-line example of each provider, type-checked with the repo (`npm run typecheck`).
 * Run one with its key set, e.g. `ANTHROPIC_API_KEY=… node examples/providers.ts anthropic`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { last } from 'rxjs';
import { accumulate } from '../src/index.ts';
import { fromAnthropic } from '../src/providers/anthropic/index.ts';
import { fromBedrock } from '../src/providers/bedrock/index.ts';
import { fromGoogle } from '../src/providers/google/index.ts';
import { fromLlamaCpp } from '../src/providers/llama-cpp/index.ts';
import { fromOpenAI, fromOpenAIResponses } from '../src/providers/openai/index.ts';

const examples: Record<string, () => void> = {
  openai() {
    const openai = new OpenAI();
    fromOpenAI(openai, { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Hi' }] }).subscribe(console.log);
  },
  responses() {
    const openai = new OpenAI();
    fromOpenAIResponses(openai, { model: 'o4-mini', input: 'Hi', reasoning: { summary: 'auto' } })
      .pipe(accumulate(), last())
      .subscribe((s) => console.log(s.reasoning, s.text));
  },
  anthropic() {
    const anthropic = new Anthropic();
    fromAnthropic(anthropic, { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }).subscribe(console.log);
  },
  google() {
    const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });
    fromGoogle(ai, { model: 'gemini-2.5-flash', contents: 'Hi', config: { thinkingConfig: { includeThoughts: true } } }).subscribe(console.log);
  },
  bedrock() {
    const bedrock = new BedrockRuntimeClient({ region: 'us-east-1' });
    fromBedrock(bedrock, { modelId: 'us.amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }).subscribe(console.log);
  },
  'llama-cpp'() {
    // a local GGUF file: node examples/providers.ts llama-cpp ./models/your-model.gguf
    fromLlamaCpp(process.argv[3] ?? './models/your-model.gguf', { messages: [{ role: 'user', content: 'Why is the sky blue?' }], maxTokens: 300 })
      .pipe(accumulate(), last())
      .subscribe((s) => console.log(s.text, s.usage));
  },
};

const name = process.argv[2] ?? 'openai';
if (!examples[name]) throw new Error(`unknown example ${name}: one of ${Object.keys(examples).join(', ')}`);
examples[name]();
