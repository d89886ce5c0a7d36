/**
 * continueFrom: the continuation request (prefill or continuation turn) and the join (the
 * continuation's repeat of the answer's tail cut, however its text is split into deltas).
 */
import fc from 'fast-check';
import { from, lastValueFrom, type Observable, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/chat-request.ts';
import type { Delta } from '../src/core/delta.ts';
import type { ProviderAdapter } from '../src/sources/provider-adapter.ts';
import { CONTINUE_PROMPT, continueFrom } from '../src/sources/continue-from.ts';
import { finishDelta, metadataDelta, snapshotOf, textDelta } from '../src/testing/index.ts';

const request: ChatRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'Why is the sky blue?' }], maxTokens: 300 };

function target(reply: Delta[], prefill: boolean): { target: { adapter: ProviderAdapter; client: object }; requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  const adapter = {
    name: 'fake',
    defaultModel: 'fake-1',
    assistantPrefill: prefill,
    toParams: (req: ChatRequest) => {
      requests.push(req);
      return { params: req, ignored: [] };
    },
    source: (): Observable<Delta> => from(reply),
  } as unknown as ProviderAdapter;
  return { target: { adapter, client: {} }, requests };
}

async function joined(before: string, fragments: string[], prefill = false, minOverlap?: number): Promise<string> {
  const reply = [metadataDelta('fake', 'id-2'), ...fragments.map((t) => textDelta(t)), finishDelta('stop')];
  const { target: t } = target(reply, prefill);
  const options = minOverlap === undefined ? {} : { minOverlap };
  const deltas = await lastValueFrom(continueFrom(t, request, options)(snapshotOf([textDelta(before)])).pipe(toArray()));
  expect(deltas.some((d) => d.type === 'metadata')).toBe(false);
  expect(deltas.at(-1)).toStrictEqual(finishDelta('stop'));
  return deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
}

describe('continueFrom', () => {
  it('prefill: the request ends with the text so far as the assistant message, trailing whitespace cut', async () => {
    const { target: t, requests } = target([textDelta('air.'), finishDelta('stop')], true);
    await lastValueFrom(continueFrom(t, request)(snapshotOf([textDelta('Because of \n')])).pipe(toArray()));
    expect(requests).toStrictEqual([{ ...request, messages: [...request.messages, { role: 'assistant', content: 'Because of' }] }]);
  });

  it('without prefill: the text so far as the assistant turn, then the continuation prompt', async () => {
    const { target: t, requests } = target([textDelta('air.'), finishDelta('stop')], false);
    await lastValueFrom(continueFrom(t, request, { prompt: 'Go on.' })(snapshotOf([textDelta('Because of ')])).pipe(toArray()));
    expect(requests[0]!.messages).toStrictEqual([...request.messages, { role: 'assistant', content: 'Because of ' }, { role: 'user', content: 'Go on.' }]);
    expect(CONTINUE_PROMPT).toContain('Continue exactly where you stopped');
  });

  it('cuts a repeat of the tail split over several deltas, and the whitespace a prefill dropped', async () => {
    expect(await joined('The sky is blue because ', ['blue ', 'bec', 'ause air', ' scatters light.'])).toBe('air scatters light.');
    expect(await joined('The sky is blue because ', [' air scatters light.'], true)).toBe('air scatters light.');
    expect(await joined('The sky is blue because', [' air scatters light.'], true)).toBe(' air scatters light.');
  });

  it('keeps a short coincidental overlap (below minOverlap)', async () => {
    expect(await joined('It is blue', ['e-ish.'])).toBe('e-ish.');
    expect(await joined('It is blue', ['blue-ish.'], false, 4)).toBe('-ish.');
  });

  it('joins to the same text however the continuation is split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 8, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(60), { maxLength: 6 }),
        async (head, repeat, rest, cuts) => {
          const before = head + repeat;
          const continuation = repeat + rest;
          const points = [...new Set(cuts.map((c) => c % continuation.length))].sort((a, b) => a - b);
          const fragments = [0, ...points, continuation.length].flatMap((p, i, all) => (i === 0 ? [] : [continuation.slice(all[i - 1], p)])).filter((f) => f !== '');
          const whole = await joined(before, [continuation]);
          expect(await joined(before, fragments)).toBe(whole);
          expect((before + whole).endsWith(rest)).toBe(true);
          expect(whole.length).toBeLessThanOrEqual(rest.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
