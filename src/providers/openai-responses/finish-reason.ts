import type { FinishReason } from '../../core/delta.ts';

/**
 * Responses `incomplete_details.reason` → {@link FinishReason}: `max_output_tokens` → length,
 * `content_filter` → content-filter, anything else → other.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details
 */
export function mapIncompleteReason(raw: string): FinishReason {
  switch (raw) {
    case 'max_output_tokens':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
