/**
 * The interactive `rxllm chat` in a terminal: readline, history across turns, `/reset`,
 * `/save FILE`, `/exit`; Ctrl-C stops the answer being streamed (the request is aborted), a
 * second Ctrl-C at the prompt exits.
 * @internal
 */
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ChatOptions } from './args.ts';
import { answer, type ChatContext, type ChatSession, INTERRUPTED, replayNotice } from './chat.ts';
import { explainError } from './explain-error.ts';
import { formatStats } from './stats.ts';

const HELP = '/reset forgets the conversation · /save FILE writes it as JSON · /exit (or Ctrl-D) ends · Ctrl-C stops an answer';

/**
 * Runs the conversation until `/exit`, Ctrl-D or a second Ctrl-C at an empty prompt; resolves
 * with the exit code (0, or 130 after Ctrl-C).
 */
export function runInteractive(session: ChatSession, options: ChatOptions, ctx: ChatContext): Promise<number> {
  const { dim, bold, red, yellow, reset } = ctx.stderrStyle;
  const input = ctx.stdin!;
  const rl = createInterface({ input, output: ctx.stdout as NodeJS.WritableStream, terminal: true, historySize: 200, prompt: `${bold}you ›${reset} ` });
  const who = session.replay === undefined ? `${session.adapter.name} ${session.model}` : `replay ${session.replay.name} (offline)`;
  ctx.stderr.write(`${bold}rxllm chat${reset} · ${who}\n${dim}${HELP}${reset}\n`);
  if (session.replay !== undefined) ctx.stderr.write(`${dim}This replay answers one recorded question: ${session.replay.question}${reset}\n`);

  return new Promise<number>((resolve) => {
    let answering: AbortController | undefined;
    let lastInterrupt = 0;
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      answering?.abort();
      rl.close();
      resolve(code);
    };

    rl.on('SIGINT', () => {
      if (answering !== undefined) {
        answering.abort();
        return;
      }
      const now = Date.now();
      if (now - lastInterrupt < 3_000) {
        ctx.stdout.write('\n');
        finish(INTERRUPTED);
        return;
      }
      lastInterrupt = now;
      rl.write(null, { ctrl: true, name: 'u' }); // clear the line
      ctx.stderr.write(`\n${dim}(press Ctrl-C again to exit, or type /exit)${reset}\n`);
      rl.prompt();
    });
    rl.on('close', () => finish(0));

    rl.on('line', (line) => {
      if (answering !== undefined || done) return; // typed while an answer streams: dropped
      const text = line.trim();
      if (text === '') {
        rl.prompt();
        return;
      }
      if (text.startsWith('/')) {
        void command(text).then(() => {
          if (!done) rl.prompt();
        });
        return;
      }
      const controller = new AbortController();
      answering = controller;
      if (session.replay !== undefined) ctx.stderr.write(replayNotice(session.replay, options, text, ctx.stderrStyle));
      void answer(session, text, options, ctx, controller.signal).then(({ outcome, builder, stats }) => {
        answering = undefined;
        if (outcome.kind === 'done') ctx.stderr.write(`${dim}${formatStats(stats, builder.snapshot())}${reset}\n`);
        else if (outcome.kind === 'error') ctx.stderr.write(`${red}error:${reset} ${explainError(outcome.error, session.where)}\n`);
        else ctx.stderr.write(`${yellow}stopped:${reset} request aborted after ${builder.deltaCount} deltas; what arrived is kept in the conversation.\n`);
        if (!done) rl.prompt();
      });
    });

    async function command(text: string): Promise<void> {
      const [name, ...rest] = text.split(/\s+/);
      switch (name) {
        case '/exit':
        case '/quit':
          finish(0);
          return;
        case '/reset':
          session.history.length = 0;
          ctx.stderr.write(`${dim}(conversation forgotten)${reset}\n`);
          return;
        case '/save': {
          const file = rest.join(' ');
          if (file === '') {
            ctx.stderr.write(`${red}usage:${reset} /save FILE\n`);
            return;
          }
          try {
            await writeFile(file, `${JSON.stringify({ provider: session.adapter.name, model: session.model, messages: session.history }, null, 2)}\n`);
            ctx.stderr.write(`${dim}(saved ${session.history.length} messages to ${file})${reset}\n`);
          } catch (error) {
            ctx.stderr.write(`${red}error:${reset} cannot write ${file}: ${(error as Error).message}\n`);
          }
          return;
        }
        case '/help':
          ctx.stderr.write(`${dim}${HELP}${reset}\n`);
          return;
        default:
          ctx.stderr.write(`${red}unknown command${reset} ${name}. ${dim}${HELP}${reset}\n`);
      }
    }

    rl.prompt();
  });
}
