/**
 * A worker that drains a queue of prompts with bounded concurrency (`mergeMap(…, 4)`), retries
 * before the first delta (429, 5xx, refused connections: never after content), and persists
 * every response in SQLite through Node's built-in `node:sqlite`: the complete answer when the
 * stream finishes, or the partial answer with its error when it fails (a dropped connection, an
 * idle timeout, a provider error mid-stream). Nothing that arrived is lost.
 *
 * Run: `OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=x node examples/node/sqlite-worker.ts answers.db`
 * (against `rxllm serve --provider replay`); test/examples-node.test.ts runs it on recorded streams.
 */
import { DatabaseSync } from 'node:sqlite';
import { catchError, defer, from, last, map, mergeMap, of, tap, type Observable, type ObservableInput } from 'rxjs';
import { accumulate, retryBeforeFirstDelta, RxllmError, timeoutIdle, type Delta, type Snapshot } from '../../src/index.ts';

export interface Job {
  readonly id: string;
  readonly prompt: string;
}

/** One stored response: `complete`, or `partial` with the error that cut it. */
export interface ResponseRow {
  readonly id: string;
  readonly prompt: string;
  readonly status: 'complete' | 'partial';
  readonly text: string;
  readonly reasoning: string;
  readonly finish_reason: string | null;
  readonly output_tokens: number | null;
  readonly error: string | null;
  readonly attempts: number;
}

export function openStore(path = ':memory:'): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(`CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY, prompt TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('complete', 'partial')),
    text TEXT NOT NULL, reasoning TEXT NOT NULL, finish_reason TEXT, output_tokens INTEGER, error TEXT,
    attempts INTEGER NOT NULL, stored_at TEXT NOT NULL DEFAULT (datetime('now')))`);
  return db;
}

export interface WorkerOptions {
  /** Streams at once. Default 4. */
  readonly concurrency?: number;
  /** Retries before the first delta. Default 2. */
  readonly retries?: number;
  /** ms without a content delta before giving up (`timeoutIdle`). Default 10 s before the first, 5 s after. */
  readonly idle?: { readonly first: number; readonly idle: number };
}

/** Drains `jobs` through `ask`, storing each outcome in `db`; emits each stored row. */
export function drainQueue(jobs: ObservableInput<Job>, ask: (prompt: string) => Observable<Delta>, db: DatabaseSync, options: WorkerOptions = {}): Observable<ResponseRow> {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO responses (id, prompt, status, text, reasoning, finish_reason, output_tokens, error, attempts)
     VALUES (:id, :prompt, :status, :text, :reasoning, :finish_reason, :output_tokens, :error, :attempts)`,
  );
  const store = (row: ResponseRow): ResponseRow => (insert.run({ ...row }), row);
  return from(jobs).pipe(
    mergeMap((job) => {
      let attempts = 0;
      let latest: Snapshot | undefined;
      const row = (snapshot: Snapshot | undefined, status: ResponseRow['status'], error: unknown): ResponseRow => ({
        id: job.id,
        prompt: job.prompt,
        status,
        text: snapshot?.text ?? '',
        reasoning: snapshot?.reasoning ?? '',
        finish_reason: snapshot?.finishReason ?? null,
        output_tokens: snapshot?.usage?.outputTokens ?? null,
        error: error === undefined ? null : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        attempts,
      });
      return defer(() => (attempts++, ask(job.prompt))).pipe(
        retryBeforeFirstDelta({ count: options.retries ?? 2, delay: 10 }),
        timeoutIdle(options.idle ?? { first: 10_000, idle: 5_000 }),
        accumulate(),
        tap((snapshot) => (latest = snapshot)),
        last(),
        map((snapshot) => store(row(snapshot, 'complete', undefined))),
        catchError((error: unknown) => of(store(row(error instanceof RxllmError ? (error.partial ?? latest) : latest, 'partial', error)))),
      );
    }, options.concurrency ?? 4),
  );
}

if (import.meta.main) {
  const { default: OpenAI } = await import('openai');
  const { fromOpenAI } = await import('../../src/providers/openai/index.ts');
  const client = new OpenAI();
  const db = openStore(process.argv[2] ?? ':memory:');
  const prompts = ['Why is the sky blue?', 'Name three prime numbers.', 'What is rxjs?', 'Say hello.', 'Count to five.'];
  drainQueue(
    prompts.map((prompt, i) => ({ id: `job-${i + 1}`, prompt })),
    (prompt) => fromOpenAI(client, { model: process.env.MODEL ?? 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: prompt }] }),
    db,
  ).subscribe({
    next: (row) => console.log(`${row.id} ${row.status} (${row.text.length} chars${row.error ? `, ${row.error}` : ''})`),
    complete: () => db.close(),
  });
}
