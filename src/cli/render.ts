/**
 * The live rendering of `rxllm chat`: each delta is written once, as it arrives (no re-render).
 * @internal
 */
import type { Delta } from '../core/delta.ts';
import type { Style } from './style.ts';
import { terminalText } from './terminal-text.ts';

/** Where the rendering goes (`process.stdout`, or a string sink in tests). */
export interface Output {
  write(chunk: string): unknown;
}

/** What was written last: decides the separators before the next delta. */
type Section = 'none' | 'reasoning' | 'text' | 'tool';

/**
 * Writes deltas to a terminal:
 * - text as it arrives;
 * - reasoning dimmed, under a `[reasoning]` label; a text delta after reasoning starts the
 *   answer on a new line, under an `[answer]` label;
 * - a tool call as `[tool call] name ` followed by its argument fragments, one line per call
 *   (a fragment of another call than the last written one repeats the label);
 * - a redacted reasoning block as `[redacted reasoning]` (its data is opaque).
 *
 * Text from the wire (text, reasoning, tool names and arguments) is shown through
 * `terminalText`: printable characters, newlines and tabs only, so no escape sequence a model
 * or provider sends reaches the terminal; rxllm's own styling is written around it.
 *
 * One `write` per content delta, plus the separators when the section changes.
 */
export class LiveRenderer {
  private readonly out: Output;
  private readonly style: Style;
  private section: Section = 'none';
  /** Whether the last character written was a line end (or nothing was written). */
  private atLineStart = true;
  /** The tool call whose arguments were written last. */
  private toolIndex = -1;
  private readonly toolNames = new Map<number, string>();

  constructor(out: Output, style: Style) {
    this.out = out;
    this.style = style;
  }

  /** Writes one delta. */
  next(delta: Delta): void {
    switch (delta.type) {
      case 'text':
        if (this.section !== 'text') this.enter('text', this.section === 'reasoning' ? '[answer]' : undefined);
        this.put(delta.text);
        return;
      case 'reasoning':
        if (delta.text === '') return; // a signature alone
        if (this.section !== 'reasoning') this.enter('reasoning', '[reasoning]');
        if (delta.redacted) {
          this.lineEnd();
          this.put('[redacted reasoning]\n');
        } else {
          this.put(delta.text);
        }
        return;
      case 'tool-call-start':
        this.toolNames.set(delta.index, delta.name);
        this.startToolLine(delta.index);
        return;
      case 'tool-call-delta':
        if (this.section !== 'tool' || this.toolIndex !== delta.index) this.startToolLine(delta.index);
        this.put(delta.argsText);
        return;
      case 'tool-call-end':
        if (this.section === 'tool' && this.toolIndex === delta.index) {
          this.lineEnd();
          this.section = 'none';
          this.toolIndex = -1;
        }
        return;
      case 'metadata':
      case 'usage':
      case 'finish':
        return;
      default:
        return;
    }
  }

  /** Ends the rendering: resets the style and ends the last line. Call once, also after an error or abort. */
  end(): void {
    if (this.section === 'reasoning' && this.style.reset) this.out.write(this.style.reset);
    this.lineEnd();
    this.section = 'none';
  }

  private startToolLine(index: number): void {
    const { cyan, reset } = this.style;
    this.enter('tool', undefined);
    this.out.write(`${cyan}[tool call] ${terminalText(this.toolNames.get(index) ?? `#${index}`)}${reset} `);
    this.atLineStart = false;
    this.toolIndex = index;
  }

  /** Closes the current section and opens `next`, with its label line. */
  private enter(next: Section, label: string | undefined): void {
    const { dim, reset } = this.style;
    if (this.section === 'reasoning' && reset) this.out.write(reset);
    this.lineEnd();
    if (this.section !== 'none' && this.section !== next && next !== 'tool' && this.section !== 'tool') this.out.write('\n');
    if (next === 'reasoning') this.out.write(`${dim}${label}\n`);
    else if (label !== undefined) this.out.write(`${dim}${label}${reset}\n`);
    this.section = next;
  }

  private put(wire: string): void {
    const text = terminalText(wire);
    if (text === '') return;
    this.out.write(text);
    this.atLineStart = text.charCodeAt(text.length - 1) === 10;
  }

  private lineEnd(): void {
    if (!this.atLineStart) {
      this.out.write('\n');
      this.atLineStart = true;
    }
  }
}
