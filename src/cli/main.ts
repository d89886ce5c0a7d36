/**
 * The `rxllm` command (package.json `bin`: dist/cli/main.js; `npm start` runs this source with
 * Node 24). `rxllm chat "prompt"` streams an answer to the terminal; `rxllm serve` puts any provider
 * behind an OpenAI-compatible server; `rxllm --help` explains.
 *
 * Exit codes: 0 done, 1 the request failed, 2 usage error, 130 interrupted by Ctrl-C.
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommand, usage } from './args.ts';
import { runChat } from './chat.ts';
import { CliError } from './cli-error.ts';
import { listReplays } from './replays.ts';
import { runServe } from './serve/run-serve.ts';
import { parseServeArgs, serveUsage } from './serve/serve-args.ts';
import { styleFor, wantsColour } from './style.ts';
import { terminalText } from './terminal-text.ts';

// This file is src/cli/main.ts or dist/cli/main.js: two levels below the package root either way
// (bundled chunks may live elsewhere, so only the entry resolves package paths).
const root = new URL('../../', import.meta.url);

/** Runs the command line `argv` and resolves with the exit code. */
async function main(argv: readonly string[], interrupt: AbortSignal): Promise<number> {
  const command = argv[0] === 'serve' ? parseServeArgs(argv.slice(1), process.env) : parseCommand(argv, process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(usage);
      return 0;
    case 'serve-help':
      process.stdout.write(serveUsage);
      return 0;
    case 'version': {
      const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
      process.stdout.write(`rxllm ${pkg.version}\n`);
      return 0;
    }
    case 'replay-list':
      process.stdout.write(listReplays());
      return 0;
    case 'chat':
      return runChat(command.options, {
        stdout: process.stdout,
        stderr: process.stderr,
        stdoutStyle: styleFor(wantsColour(process.stdout, process.env)),
        stderrStyle: styleFor(wantsColour(process.stderr, process.env)),
        env: process.env,
        replayDir: fileURLToPath(new URL('replay', root)),
        interrupt,
        stdin: process.stdin,
        stdoutIsTTY: process.stdout.isTTY === true,
      });
    case 'serve': {
      // SIGINT (Ctrl-C) or SIGTERM: close the server cleanly
      const terminate = new AbortController();
      process.once('SIGTERM', () => terminate.abort());
      return runServe(command.options, {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        replayDir: fileURLToPath(new URL('replay', root)),
        stop: AbortSignal.any([interrupt, terminate.signal]),
      });
    }
  }
}

/** Exits once stdout and stderr are flushed (pipes may be asynchronous). */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// Ctrl-C once: unsubscribe (abort the request) and exit 130 with a note. Twice: exit at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});
// A closed stdout (`rxllm chat ... | head`) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2), interrupt.signal).then(exit, (err: unknown) => {
  if (err instanceof CliError) {
    process.stderr.write(`rxllm: ${terminalText(err.message)}\n`);
    exit(err.exitCode);
  } else {
    process.stderr.write(`rxllm: unexpected error: ${terminalText(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    exit(1);
  }
});
