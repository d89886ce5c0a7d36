/**
 * OpenAI Chat Completions clients, each reading the same bytes into the full text: the raw
 * `openai` SDK loop (the reference), the floor (fetch + eventsource-parser + JSON.parse), the
 * SDK floor (the same parse of the SDK's `.asResponse()`), rxllm, the Vercel AI SDK and LangChain.js. Libraries are imported inside `create`, so a child
 * process loads only the one it measures.
 */
import { API_KEY, type ClientSpec, type CreateParser, finalText, OPENAI_MODEL, type Progress, PROMPT, readBody, requireExports, type StreamClient } from './client.ts';

const messages = [{ role: 'user' as const, content: PROMPT }];

const rawSdk: ClientSpec = {
  id: 'openai/raw-sdk',
  label: 'openai SDK for-await (raw)',
  format: 'openai',
  reference: true,
  async create(url) {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
    return async (progress) => {
      const stream = await client.chat.completions.create({
        model: OPENAI_MODEL,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) {
          text += content;
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
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      const content = JSON.parse(event.data).choices[0]?.delta?.content;
      if (content) {
        text += content;
        progress.chars = text.length;
      }
    },
  });
  await readBody(body, parser.feed, progress);
  if (!done) throw new Error('the stream ended without [DONE]');
  return text;
}

const floor: ClientSpec = {
  id: 'openai/floor',
  label: 'fetch + eventsource-parser (floor)',
  format: 'openai',
  async create(url) {
    const { createParser } = await import('eventsource-parser');
    const endpoint = `${url}/v1/chat/completions`;
    const body = JSON.stringify({ model: OPENAI_MODEL, messages, stream: true, stream_options: { include_usage: true } });
    return async (progress) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body,
      });
      if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
      return parseText(res.body, createParser, progress);
    };
  },
};

/**
 * The floor with the official SDK making the request: what rxllm's source does before its own
 * code runs (the SDK's `.asResponse()` with an AbortController's signal, as rxllm passes one),
 * then the floor's parse. Its distance to the floor is the SDK's per-request cost; rxllm's own
 * cost is its distance to this client.
 */
const sdkFloor: ClientSpec = {
  id: 'openai/sdk-floor',
  label: 'openai SDK .asResponse() + eventsource-parser (SDK floor)',
  format: 'openai',
  async create(url) {
    const [{ default: OpenAI }, { createParser }] = await Promise.all([import('openai'), import('eventsource-parser')]);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
    return async (progress) => {
      const abort = new AbortController();
      const res = await client.chat.completions
        .create({ model: OPENAI_MODEL, messages, stream: true, stream_options: { include_usage: true } }, { signal: abort.signal })
        .asResponse();
      if (res.body === null) throw new Error('no body');
      return parseText(res.body, createParser, progress);
    };
  },
};

/** `bufferTokens` in the full pipeline: as a UI would use it, at most 16 fragments or 50 ms per emit. */
const BUFFER = { size: 16, maxDelay: 50 };

async function rxllmClient(url: string, pipeline: boolean): Promise<StreamClient> {
  const [{ default: OpenAI }, { fromOpenAI }, { accumulate, bufferTokens, splitReasoning }] = await Promise.all([
    import('openai'),
    import('../../src/providers/openai/index.ts'),
    import('../../src/index.ts'),
  ]);
  requireExports('src/providers/openai/index.ts', { fromOpenAI });
  requireExports('src/index.ts', pipeline ? { accumulate, bufferTokens, splitReasoning } : { accumulate });
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  const params = { model: OPENAI_MODEL, messages, stream_options: { include_usage: true } };
  return (progress) => {
    const source = fromOpenAI(client, params);
    return finalText(pipeline ? source.pipe(splitReasoning(), bufferTokens(BUFFER), accumulate()) : source.pipe(accumulate()), progress);
  };
}

const rxllmAccumulate: ClientSpec = {
  id: 'openai/rxllm',
  label: 'rxllm fromOpenAI → accumulate',
  format: 'openai',
  rxllm: true,
  create: (url) => rxllmClient(url, false),
};

const rxllmPipeline: ClientSpec = {
  id: 'openai/rxllm-pipeline',
  label: 'rxllm fromOpenAI → splitReasoning → bufferTokens → accumulate',
  format: 'openai',
  rxllm: true,
  create: (url) => rxllmClient(url, true),
};

const aiSdk: ClientSpec = {
  id: 'openai/ai-sdk',
  label: 'AI SDK streamText (openai.chat) textStream',
  format: 'openai',
  async create(url) {
    (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
    const [{ streamText }, { createOpenAI }] = await Promise.all([import('ai'), import('@ai-sdk/openai')]);
    const openai = createOpenAI({ apiKey: API_KEY, baseURL: `${url}/v1` });
    const model = openai.chat(OPENAI_MODEL);
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

const langchain: ClientSpec = {
  id: 'openai/langchain',
  label: 'LangChain ChatOpenAI.stream() (completions)',
  format: 'openai',
  async create(url) {
    const { ChatOpenAI } = await import('@langchain/openai');
    const model = new ChatOpenAI({
      model: OPENAI_MODEL,
      apiKey: API_KEY,
      configuration: { baseURL: `${url}/v1` },
      maxRetries: 0,
      streamUsage: true,
      useResponsesApi: false,
    });
    return async (progress) => {
      let text = '';
      for await (const chunk of await model.stream(PROMPT)) {
        const content = typeof chunk.content === 'string' ? chunk.content : chunk.text;
        if (content) {
          text += content;
          progress.chars = text.length;
        }
      }
      return text;
    };
  },
};

/** In table order: the reference first. */
export const openaiClients: readonly ClientSpec[] = [rawSdk, floor, sdkFloor, rxllmAccumulate, rxllmPipeline, aiSdk, langchain];
