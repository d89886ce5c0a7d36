/**
 * `rxllm/angular`: rxllm streams as Angular signals and resources, and a transport on Angular's
 * `HttpClient` so interceptors apply. Plain functions (no components, no decorators): no Angular
 * compiler needed. `@angular/core` and `@angular/common` are optional peer dependencies.
 * @module
 */
export { chatResource } from './chatResource.ts';
export type { ChatResource, ChatResourceOptions, ChatStatus } from './chatResource.ts';
export { deltaResource } from './deltaResource.ts';
export type { DeltaResource, DeltaResourceOptions } from './deltaResource.ts';
export { httpClientTransport, injectHttpClientTransport } from './httpClientTransport.ts';
export type { HttpClientTransportOptions } from './httpClientTransport.ts';
export type { ChatTransport } from './chat-transport.ts';
