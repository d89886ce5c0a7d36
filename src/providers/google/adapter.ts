/**
 * The Google Gemini API adapter.
 * @module
 */
import type { GenerateContentParameters, GoogleGenAI } from '@google/genai';
import { importSdk, lazySource, requireKey } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import { geminiReplay } from './replay.ts';
import { toGoogleParams } from './to-params.ts';

/**
 * Google Gemini: `fromGoogle` over `@google/genai` (the Gemini API). The client reads
 * `GEMINI_API_KEY` or `GOOGLE_API_KEY`.
 * @see https://ai.google.dev/api/generate-content
 */
export const googleAdapter: ProviderAdapter<GoogleGenAI, GenerateContentParameters> = {
  name: 'google',
  description: 'Google Gemini API',
  sdkPackage: '@google/genai',
  defaultModel: 'gemini-flash-latest',
  environment: { keys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], keyHelp: 'https://aistudio.google.com/apikey' },
  async createClient(config) {
    const apiKey = config.baseURL !== undefined ? (config.env.GEMINI_API_KEY || config.env.GOOGLE_API_KEY || 'replay') : requireKey(config.env, 'google', this.environment);
    const { GoogleGenAI: GoogleSdk } = await importSdk('google', '@google/genai', () => import('@google/genai'));
    const endpoint = config.baseURL ?? 'https://generativelanguage.googleapis.com';
    const httpOptions = {
      ...(config.baseURL === undefined ? {} : { baseUrl: config.baseURL }),
      ...(config.maxRetries === undefined ? {} : { retryOptions: { attempts: config.maxRetries + 1 } }),
    };
    const client = new GoogleSdk({ apiKey, vertexai: false, ...(Object.keys(httpOptions).length === 0 ? {} : { httpOptions }) });
    return { client, endpoint };
  },
  toParams: toGoogleParams,
  source: (client, params, options) => lazySource(() => import('./from-google.ts'), (m) => m.fromGoogle(client, params, options)),
  replay: geminiReplay,
};
