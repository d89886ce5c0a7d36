/**
 * `rxllm/testing/server`: the Node-only part of the testing kit, {@link fakeProviderServer}
 * (`rxllm/testing` itself stays browser-safe).
 * @module
 */
export { fakeProviderServer } from './fakeProviderServer.ts';
export type { FakeProviderServer, FakeProviderServerOptions, Fault, ReceivedRequest } from './fakeProviderServer.ts';
