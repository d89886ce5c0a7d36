/**
 * `rxllm/testing`: helpers to test your own delta pipelines, framework-free (pass your test
 * framework's deep equality) and browser-safe (no Node-only modules).
 *
 * - marble tests: {@link createDeltaTestScheduler}, {@link deltaMarbles}, {@link deltaValues};
 * - delta builders: {@link textDelta}, {@link textDeltas}, {@link reasoningDelta},
 *   {@link toolCallStart}, {@link toolCallArgs}, {@link toolCallEnd}, {@link usageDelta},
 *   {@link finishDelta}, {@link metadataDelta}, {@link resetDelta}, and {@link snapshotOf} for expected snapshots;
 * - a stand-in provider source without network: {@link fakeSource};
 * - a real recorded provider stream, decoded and timed on a scheduler: {@link replayFixture}.
 *
 * @module
 */
export {
  finishDelta,
  metadataDelta,
  reasoningDelta,
  resetDelta,
  snapshotOf,
  textDelta,
  textDeltas,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from './deltas.ts';
export { createDeltaTestScheduler, deltaMarbles, deltaValues } from './marbles.ts';
export type { ColdDeltas } from './marbles.ts';
export { fakeSource } from './fake-source.ts';
export type { FakeSource, FakeSourceOptions } from './fake-source.ts';
export { replayFixture } from './replayFixture.ts';
export type { Recording, ReplayFixtureOptions, ReplayPace } from './replayFixture.ts';
export type { RecordedEvent, RecordingFormat } from './recorded-decoder.ts';
