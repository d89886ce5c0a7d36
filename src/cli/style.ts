/**
 * Terminal styles of the `rxllm` CLI: ANSI SGR codes, or empty strings when colour is off.
 * @internal
 */

/** The escape sequences the CLI writes; every field is `''` when colour is off. */
export interface Style {
  /** Faint text (SGR 2): reasoning, notes. */
  readonly dim: string;
  /** Bold (SGR 1): labels. */
  readonly bold: string;
  /** Cyan foreground (SGR 36): tool-call names. */
  readonly cyan: string;
  /** Yellow foreground (SGR 33): the replay notice. */
  readonly yellow: string;
  /** Red foreground (SGR 31): errors. */
  readonly red: string;
  /** Resets every attribute (SGR 0). */
  readonly reset: string;
}

const ANSI: Style = { dim: '\x1b[2m', bold: '\x1b[1m', cyan: '\x1b[36m', yellow: '\x1b[33m', red: '\x1b[31m', reset: '\x1b[0m' };
const PLAIN: Style = { dim: '', bold: '', cyan: '', yellow: '', red: '', reset: '' };

/**
 * Whether to colour a stream: only a TTY, and never when `NO_COLOR` is set to a non-empty value
 * (https://no-color.org) or `TERM` is `dumb`.
 */
export function wantsColour(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** The ANSI style when `colour` is true, else the plain (all empty) one. */
export function styleFor(colour: boolean): Style {
  return colour ? ANSI : PLAIN;
}
