/**
 * Text from the wire made safe for a terminal: what a model, a provider or an upstream error
 * body says is shown, never obeyed. Escape sequences (OSC 52 clipboard writes, title changes,
 * screen clears, cursor moves that hide text) and control characters are removed; printable
 * text, newlines and tabs stay. rxllm's own styling is written around the cleaned text.
 * @internal
 */

/**
 * Escape sequences: CSI (ESC [ or 0x9B), OSC (ESC ] or 0x9D, ended by BEL or ST), DCS/SOS/PM/APC
 * (ended by ST); an OSC or DCS string left open runs to the end of the text.
 */
const SEQUENCES = new RegExp(
  [
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    '(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c|$)',
    '(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c|$)',
    // any other escape: ESC and the character after it (nF / Fp / Fe / Fs forms)
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
  ].join('|'),
  'g',
);

/**
 * What is left to remove: C0 controls but tab and newline (CR too: it rewrites the line), DEL,
 * C1 controls, and the bidi embedding / override / isolate controls that reorder what is shown
 * (U+202A–U+202E, U+2066–U+2069).
 */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every escape sequence and control character removed, except `\n` and `\t` (a
 * `\r\n` becomes `\n`). A sequence split across two calls cannot act: its introducer (ESC or a
 * C1 control) is removed wherever it stands, so what remains of it is shown as plain text.
 */
export function terminalText(text: string): string {
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text.replace(SEQUENCES, '').replace(CONTROLS, '');
}
