/**
 * The AWS Bedrock Runtime (Converse) adapter.
 * @module
 */
import type { BedrockRuntimeClient, ConverseStreamCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { ProviderSetupError } from '../../core/errors.ts';
import { importSdk, lazySource } from '../../sources/adapter-support.ts';
import type { ProviderAdapter } from '../../sources/provider-adapter.ts';
import { isBedrockStreamingUnsupported } from './errors.ts';
import { bedrockReplay } from './replay.ts';
import { toBedrockInput } from './to-params.ts';

/**
 * AWS Bedrock: `fromBedrock` over `@aws-sdk/client-bedrock-runtime` (ConverseStream). The region
 * comes from `AWS_REGION` (required), credentials from the AWS chain (env, profile, SSO, role).
 * A replay (`baseURL`) speaks HTTP/1.1 with placeholder credentials (or `AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY` of `env` when set).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export const bedrockAdapter: ProviderAdapter<BedrockRuntimeClient, ConverseStreamCommandInput> = {
  name: 'bedrock',
  description: 'AWS Bedrock Runtime ConverseStream',
  sdkPackage: '@aws-sdk/client-bedrock-runtime',
  defaultModel: 'us.amazon.nova-lite-v1:0',
  environment: {
    keys: ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID'],
    endpoint: 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
    keyHelp: 'the AWS credential chain (aws configure, aws sso login)',
    required: ['AWS_REGION'],
  },
  async createClient(config) {
    const region = config.baseURL !== undefined ? 'us-east-1' : config.env.AWS_REGION || config.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new ProviderSetupError('bedrock needs a region: set AWS_REGION (e.g. export AWS_REGION=us-east-1), with credentials from the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …).', {
        provider: 'bedrock',
        reason: 'missing-credentials',
        variables: ['AWS_REGION'],
      });
    }
    const { BedrockRuntimeClient: BedrockSdk } = await importSdk('bedrock', '@aws-sdk/client-bedrock-runtime', () => import('@aws-sdk/client-bedrock-runtime'));
    const attempts = config.maxRetries === undefined ? {} : { maxAttempts: config.maxRetries + 1 };
    if (config.baseURL !== undefined) {
      // The client speaks HTTP/2 by default; the loopback replay server speaks HTTP/1.1.
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      const client = new BedrockSdk({
        region,
        endpoint: config.baseURL,
        maxAttempts: 1,
        ...attempts,
        credentials: { accessKeyId: config.env.AWS_ACCESS_KEY_ID || 'replay', secretAccessKey: config.env.AWS_SECRET_ACCESS_KEY || 'replay' },
        requestHandler: new NodeHttpHandler(),
      });
      return { client, endpoint: config.baseURL };
    }
    const client = new BedrockSdk({ region, ...attempts });
    return { client, endpoint: config.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || `https://bedrock-runtime.${region}.amazonaws.com` };
  },
  toParams: toBedrockInput,
  source: (client, params, options) => lazySource(() => import('./from-bedrock.ts'), (m) => m.fromBedrock(client, params, options)),
  replay: bedrockReplay,
  isStreamingUnsupported: isBedrockStreamingUnsupported,
};
