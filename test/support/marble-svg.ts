/**
 * Renders marble diagrams captured from the executable specs (marbles/*.marble.ts) as SVG:
 * source lines, the operator box, the output line, completion `|`, error `#` and unsubscription
 * `!` marks, and a legend of the values. Pure and deterministic: the same capture gives the same
 * bytes, so a committed picture can be compared with the spec it came from.
 */

/** One `cold(...)`/`hot(...)` source, one `expectObservable(...).toBe(...)`, one `expectSubscriptions(...).toBe(...)`. */
export interface CapturedLine {
  readonly marbles: string;
  readonly values?: Readonly<Record<string, unknown>> | undefined;
  readonly error?: unknown;
}

/** What one test of a spec showed. */
export interface CapturedDiagram {
  readonly test: string;
  readonly sources: readonly CapturedLine[];
  readonly subscriptions: readonly string[];
  readonly expected: CapturedLine;
  /** The expression under test (`source.pipe(timeoutIdle(4))`), read from the spec's text. */
  readonly expression: string;
}

interface Mark {
  readonly frame: number;
  readonly kind: 'value' | 'complete' | 'error';
  readonly letter?: string;
  readonly stack: number;
}

/** Parses RxJS run-mode marbles into marks (frames as in TestScheduler.run: one per character, time progression `10ms`). */
export function parseMarbles(marbles: string): { marks: Mark[]; end: number; subscribe?: number; unsubscribe?: number } {
  const marks: Mark[] = [];
  let frame = 0;
  let group: number | undefined;
  let stack = 0;
  let subscribe: number | undefined;
  let unsubscribe: number | undefined;
  for (let i = 0; i < marbles.length; i++) {
    const c = marbles[i]!;
    if (c === ' ') {
      const progression = /^ (\d+(?:\.\d+)?)(ms|s|m) /.exec(marbles.slice(i) + ' ');
      if (progression !== null && group === undefined) {
        const unit = progression[2] === 'ms' ? 1 : progression[2] === 's' ? 1_000 : 60_000;
        frame += Number(progression[1]) * unit;
        i += progression[0].length - 2;
      }
      continue;
    }
    const at = group ?? frame;
    switch (c) {
      case '-':
        break;
      case '(':
        group = frame;
        stack = 0;
        break;
      case ')':
        group = undefined;
        break;
      case '|':
        marks.push({ frame: at, kind: 'complete', stack: stack++ });
        break;
      case '#':
        marks.push({ frame: at, kind: 'error', stack: stack++ });
        break;
      case '^':
        subscribe = at;
        break;
      case '!':
        unsubscribe = at;
        break;
      default:
        marks.push({ frame: at, kind: 'value', letter: c, stack: group === undefined ? 0 : stack++ });
    }
    frame++; // in run mode every character but a space takes a frame, inside a group too
    if (group === undefined) stack = 0;
  }
  return { marks, end: frame, ...(subscribe === undefined ? {} : { subscribe }), ...(unsubscribe === undefined ? {} : { unsubscribe }) };
}

/** A short label for a value of a diagram: deltas, snapshots, strings, anything else as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'text':
      return `text ${JSON.stringify(v.text)}`;
    case 'reasoning':
      return v.text === '' && v.signature !== undefined ? 'reasoning signature' : `reasoning ${JSON.stringify(v.text)}`;
    case 'metadata':
      return `metadata (${String(v.provider)})`;
    case 'usage':
      return `usage ${JSON.stringify(Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'type')))}`;
    case 'finish':
      return `finish ${String(v.reason)}`;
    case 'tool-call-start':
      return `tool-call-start #${String(v.index)} ${String(v.name)}`;
    case 'tool-call-delta':
      return `tool-call-delta #${String(v.index)} ${JSON.stringify(v.argsText)}`;
    case 'tool-call-end':
      return `tool-call-end #${String(v.index)}`;
  }
  if ('deltaCount' in v && 'text' in v) return `snapshot { text: ${JSON.stringify(v.text)}${v.finishReason === undefined ? '' : `, finishReason: ${String(v.finishReason)}`} }`;
  if (value instanceof Error) return `${value.name}`;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The SVG of one spec file's diagrams, stacked. */
export function renderMarbleSvg(operator: string, diagrams: readonly CapturedDiagram[]): string {
  const step = 26;
  const left = 120;
  const rowsOut: string[] = [];
  let y = 28;
  let width = 560;
  rowsOut.push(`<text x="16" y="${y}" class="title">${esc(operator)}</text>`);
  y += 14;
  for (const d of diagrams) {
    const lines = [...d.sources.map((s, i) => ({ label: d.sources.length === 1 ? 'source' : `source ${i + 1}`, line: s, sub: d.subscriptions[i] })), { label: 'output', line: d.expected, sub: undefined }];
    const parsed = lines.map((l) => ({ ...l, p: parseMarbles(l.line.marbles), s: l.sub === undefined ? undefined : parseMarbles(l.sub) }));
    const frames = Math.max(...parsed.map((l) => Math.max(l.p.end, l.s?.end ?? 0)), 8);
    width = Math.max(width, left + frames * step + 40, 32 + Math.min(d.test.length, 110) * 6.6);
    y += 22;
    rowsOut.push(`<text x="16" y="${y}" class="test">${esc(clip(d.test, 110))}</text>`);
    y += 12;
    const legend = new Map<string, string>();
    const drawLine = (label: string, line: CapturedLine, p: ReturnType<typeof parseMarbles>, s: ReturnType<typeof parseMarbles> | undefined) => {
      y += 30;
      const x0 = left;
      const x1 = left + frames * step + 16;
      rowsOut.push(`<text x="16" y="${y + 4}" class="label">${esc(label)}</text>`);
      rowsOut.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" class="axis"/><path d="M${x1} ${y - 5} L${x1 + 8} ${y} L${x1} ${y + 5}" class="arrow"/>`);
      for (const m of p.marks) {
        const x = x0 + m.frame * step + 10 + m.stack * 16;
        if (m.kind === 'complete') rowsOut.push(`<line x1="${x}" y1="${y - 10}" x2="${x}" y2="${y + 10}" class="complete"/>`);
        else if (m.kind === 'error') rowsOut.push(`<path d="M${x - 7} ${y - 7} L${x + 7} ${y + 7} M${x + 7} ${y - 7} L${x - 7} ${y + 7}" class="error"/>`);
        else {
          const letter = m.letter!;
          const value = line.values?.[letter];
          if (value !== undefined || line.values === undefined) {
            const text = line.values === undefined ? JSON.stringify(letter) : describeValue(value);
            const known = legend.get(letter);
            if (known === undefined) legend.set(letter, text);
            else if (known !== text) legend.set(`${letter} (${label})`, text); // the same letter stands for another value on this line
          }
          rowsOut.push(`<circle cx="${x}" cy="${y}" r="9" class="value"/><text x="${x}" y="${y + 4}" class="letter">${esc(letter)}</text>`);
        }
      }
      if (p.marks.some((m) => m.kind === 'error') && line.error !== undefined) legend.set('#', describeValue(line.error));
      // the release at the source's own end is the normal case: marked only when the subscription ends earlier
      if (s?.unsubscribe !== undefined && !p.marks.some((m) => m.kind !== 'value' && m.frame <= s.unsubscribe!)) {
        const x = x0 + s.unsubscribe * step + 10;
        rowsOut.push(`<path d="M${x} ${y - 12} L${x} ${y + 12}" class="unsubscribe"/><text x="${x + 3}" y="${y - 13}" class="small">unsubscribed</text>`);
      }
      if (s?.subscribe !== undefined && s.subscribe > 0) {
        const x = x0 + s.subscribe * step + 10;
        rowsOut.push(`<text x="${x - 3}" y="${y + 22}" class="small">^</text>`);
      }
    };
    for (const l of parsed.slice(0, -1)) drawLine(l.label, l.line, l.p, l.s);
    y += 36;
    const boxWidth = Math.max(260, Math.min(width - left - 20, 20 + d.expression.length * 7.4));
    rowsOut.push(`<rect x="${left}" y="${y - 16}" width="${boxWidth}" height="26" rx="4" class="box"/><text x="${left + 8}" y="${y + 2}" class="expr">${esc(clip(d.expression, Math.floor((boxWidth - 20) / 7.4)))}</text>`);
    const out = parsed.at(-1)!;
    drawLine(out.label, out.line, out.p, undefined);
    y += 14;
    for (const [letter, text] of [...legend.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      y += 15;
      const entry = `${letter} = ${clip(text, 100)}`;
      width = Math.max(width, left + 20 + entry.length * 6.7);
      rowsOut.push(`<text x="${left}" y="${y}" class="legend">${esc(entry)}</text>`);
    }
    y += 8;
  }
  const height = y + 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<style>
  text { font-family: "DejaVu Sans", Verdana, sans-serif; fill: #222; }
  .title { font-size: 17px; font-weight: bold; } .test { font-size: 12px; fill: #555; font-style: italic; }
  .label { font-size: 12px; fill: #666; } .small { font-size: 9px; fill: #b91c1c; }
  .letter { font-size: 11px; text-anchor: middle; } .legend { font-size: 11px; fill: #444; font-family: "DejaVu Sans Mono", monospace; }
  .expr { font-size: 12px; font-family: "DejaVu Sans Mono", monospace; }
  .axis { stroke: #333; stroke-width: 1.5; } .arrow { fill: #333; }
  .value { fill: #dbeafe; stroke: #1d4ed8; stroke-width: 1.5; } .complete { stroke: #111; stroke-width: 2.5; }
  .error { stroke: #b91c1c; stroke-width: 2.5; fill: none; } .unsubscribe { stroke: #b91c1c; stroke-width: 1.5; stroke-dasharray: 3 2; }
  .box { fill: #f3f4f6; stroke: #9ca3af; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${rowsOut.join('\n')}
</svg>
`;
}
