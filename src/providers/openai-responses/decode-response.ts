/**
 * A whole Responses `Response` (`stream: false`) → the deltas its stream would have given.
 * @module
 */
import type { DeltaSink } from '../../core/delta.ts';
import { ResponsesStreamMapper } from './decode-stream.ts';
import type { ResponseWire } from './wire.ts';

/**
 * Maps a whole `Response` to the deltas its stream would have given: metadata, reasoning, text,
 * each function call as start / delta / end, usage, finish (see
 * `ResponsesStreamMapper.onResponse`). Throws `ProviderError` for a failed response.
 */
export function mapResponsesResponse(response: ResponseWire, out: DeltaSink): void {
  new ResponsesStreamMapper(out).onResponse(response);
}
