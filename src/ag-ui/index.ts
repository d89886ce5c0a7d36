/**
 * `rxllm/ag-ui`: rxllm streams as AG-UI protocol events, for AG-UI frontends (CopilotKit,
 * `@ag-ui/client`). Types from `@ag-ui/core` (an optional peer dependency, used for types only).
 * @module
 */
export { toAgUiEvents } from './toAgUiEvents.ts';
export type { AgUiEvent, ToAgUiEventsOptions } from './toAgUiEvents.ts';
