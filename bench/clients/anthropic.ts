/**
 * Anthropic Messages clients, each reading the same bytes into the full text: the raw
 * `@anthropic-ai/sdk` loop (the reference), the floor (fetch + eventsource-parser + JSON.parse),
 * the SDK floor (the same parse of the SDK's `.asResponse()`), rxllm and the Vercel AI SDK's
 * Anthropic provider.
 */
import { ANTHROPIC_MODEL, API_KEY, type ClientSpec, type CreateParser, finalText, type Progress, PROMPT, readBody, requireExports } from './client.ts';

const messages = [{ role: 'user' as const, content: PROMPT }];
const MAX_TOKENS = 1_000_000;

const rawSdk: ClientSpec = {
  id: 'anthropic/raw-sdk',
  label: '@anthropic-ai/sdk for-await (raw)',
  format: 'anthropic',
  reference: true,
  async create(url) {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const client = new Anthropic({ apiKey: API_KEY, baseURL: url, maxRetries: 0 });
    return async (progress) => {
      const stream = await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: MAX_TOKENS, messages, stream: true });
      let text = '';
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text += event.delta.text;
          progress.chars = text.length;
        }
      }
      return text;
    };
  },
};

/** The floor's parse: eventsource-parser and one JSON.parse per event, into the text. */
async function parseText(body: ReadableStream<Uint8Array>, createParser: CreateParser, progress: Progress): Promise<string> {
  let text = '';
  let done = false;
  const parser = createParser({
    onEvent(event) {
      const data = JSON.parse(event.data);
      if (data.type === 'content_block_delta') {
        if (data.delta.type === 'text_delta') {
          text += data.delta.text;
          progress.chars = text.length;
        }
      } else if (data.type === 'message_stop') {
        done = true;
      }
    },
  });
  await readBody(body, parser.feed, progress);
  if (!done) throw new Error('the stream ended without message_stop');
  return text;
}

const floor: ClientSpec = {
  id: 'anthropic/floor',
  label: 'fetch + eventsource-parser (floor)',
  format: 'anthropic',
  async create(url) {
    const { createParser } = await import('eventsource-parser');
    const endpoint = `${url}/v1/messages`;
    const body = JSON.stringify({ model: ANTHROPIC_MODEL, max_tokens: MAX_TOKENS, messages, stream: true });
    return async (progress) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
        body,
      });
      if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
      return parseText(res.body, createParser, progress);
    };
  },
};

/** The floor with the official SDK making the request (see `openai/sdk-floor`). */
const sdkFloor: ClientSpec = {
  id: 'anthropic/sdk-floor',
  label: '@anthropic-ai/sdk .asResponse() + eventsource-parser (SDK floor)',
  format: 'anthropic',
  async create(url) {
    const [{ default: Anthropic }, { createParser }] = await Promise.all([import('@anthropic-ai/sdk'), import('eventsource-parser')]);
    const client = new Anthropic({ apiKey: API_KEY, baseURL: url, maxRetries: 0 });
    return async (progress) => {
      const abort = new AbortController();
      const res = await client.messages
        .create({ model: ANTHROPIC_MODEL, max_tokens: MAX_TOKENS, messages, stream: true }, { signal: abort.signal })
        .asResponse();
      if (res.body === null) throw new Error('no body');
      return parseText(res.body, createParser, progress);
    };
  },
};

const rxllm: ClientSpec = {
  id: 'anthropic/rxllm',
  label: 'rxllm fromAnthropic → accumulate',
  format: 'anthropic',
  rxllm: true,
  async create(url) {
    const [{ default: Anthropic }, { fromAnthropic }, { accumulate }] = await Promise.all([
      import('@anthropic-ai/sdk'),
      import('../../src/providers/anthropic/index.ts'),
      import('../../src/index.ts'),
    ]);
    requireExports('src/providers/anthropic/index.ts', { fromAnthropic });
    requireExports('src/index.ts', { accumulate });
    const client = new Anthropic({ apiKey: API_KEY, baseURL: url, maxRetries: 0 });
    const params = { model: ANTHROPIC_MODEL, max_tokens: MAX_TOKENS, messages };
    return (progress) => finalText(fromAnthropic(client, params).pipe(accumulate()), progress);
  },
};

const aiSdk: ClientSpec = {
  id: 'anthropic/ai-sdk',
  label: 'AI SDK streamText (@ai-sdk/anthropic) textStream',
  format: 'anthropic',
  async create(url) {
    (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
    const [{ streamText }, { createAnthropic }] = await Promise.all([import('ai'), import('@ai-sdk/anthropic')]);
    const anthropic = createAnthropic({ apiKey: API_KEY, baseURL: `${url}/v1` });
    const model = anthropic(ANTHROPIC_MODEL);
    return async (progress) => {
      let failure: unknown;
      const result = streamText({ model, prompt: PROMPT, maxRetries: 0, onError: ({ error }) => void (failure = error) });
      let text = '';
      for await (const fragment of result.textStream) {
        text += fragment;
        progress.chars = text.length;
      }
      if (failure !== undefined) throw failure;
      return text;
    };
  },
};

/** In table order: the reference first. */
export const anthropicClients: readonly ClientSpec[] = [rawSdk, floor, sdkFloor, rxllm, aiSdk];
