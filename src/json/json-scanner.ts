/**
 * An incremental JSON scanner: text fragments in, structural events out, in time linear in the
 * text's length (each character is looked at once; string runs are sliced, not copied char by
 * char). It never builds values itself: a {@link JsonEvents} handler does (the immutable partial
 * tree of `partialJson`, the patch list of `jsonPatches`, …).
 *
 * Accepts exactly what `JSON.parse` accepts, optionally wrapped in a Markdown code fence
 * (```` ```json ```` … ```` ``` ````) and surrounded by whitespace. A number is reported when a
 * character after it ends it (or at {@link JsonScanner.end}), so a number split across fragments
 * is never reported half-read; `true`, `false` and `null` likewise.
 * @internal
 */

/** What the scanner reports, in document order. */
export interface JsonEvents {
  /** An object (`'{'`) or array (`'['`) opens. */
  open(kind: 'object' | 'array'): void;
  /** The open object's next member has this key (the key is reported whole, once its closing quote arrived). */
  key(key: string): void;
  /** The innermost open object or array closes. */
  close(): void;
  /** A string value opens. */
  stringStart(): void;
  /** More characters of the open string value (never empty). */
  stringChunk(text: string): void;
  /** The open string value closes. */
  stringEnd(): void;
  /** A number, `true`, `false` or `null`, complete. */
  primitive(value: number | boolean | null): void;
}

/** Where scanning stopped on invalid input. */
export interface JsonSyntaxFault {
  /** Offset of the offending character in the whole text (the text's length when the text ended too early). */
  readonly offset: number;
  /** True when the text is a valid beginning of a JSON document that ended too early. */
  readonly truncated: boolean;
  /** What was expected, for the error message. */
  readonly expected: string;
}

// States. Values are small integers so the main switch compiles to a jump table.
const LEAD = 0; // before the root: whitespace or a fence
const FENCE_OPEN = 1; // inside the opening ``` (count in `ticks`)
const FENCE_INFO = 2; // the fence's info string, up to the newline
const VALUE = 3; // a value is expected
const VALUE_OR_CLOSE = 4; // after '[': a value or ']'
const KEY_OR_CLOSE = 5; // after '{': a key or '}'
const KEY = 6; // after ',' in an object: a key
const COLON = 7;
const AFTER = 8; // after a value inside a container: ',' or the closer
const STRING = 9;
const ESCAPE = 10;
const UNICODE = 11; // inside \uXXXX (count in `hexCount`)
const NUMBER = 12;
const LITERAL = 13;
const TRAIL = 14; // after the root: whitespace or the closing fence
const FENCE_CLOSE = 15;
const END = 16; // after the closing fence: whitespace only
const FAILED = 17;

// Number sub-states; the accepting ones are INT_ZERO, INT, FRAC, EXP.
const MINUS = 0;
const INT_ZERO = 1;
const INT = 2;
const DOT = 3;
const FRAC = 4;
const E = 5;
const E_SIGN = 6;
const EXP = 7;

const ESCAPES: Record<string, string | undefined> = Object.assign(Object.create(null) as object, {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
});

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The incremental scanner; one per document. @internal */
export class JsonScanner {
  private state = LEAD;
  /** Open containers, innermost last: true = object. */
  private readonly stack: boolean[] = [];
  private fenced = false;
  private ticks = 0;
  private inKey = false;
  private keyText = '';
  private hex = 0;
  private hexCount = 0;
  private numberText = '';
  private numberState = MINUS;
  private literal = '';
  private literalPos = 0;
  private offset = 0;
  /** Set once the input is invalid; every later write is ignored. */
  fault: JsonSyntaxFault | undefined = undefined;

  private readonly events: JsonEvents;

  constructor(events: JsonEvents) {
    this.events = events;
  }

  /** True once the root value is complete (trailing whitespace or fence may still follow). */
  get rootDone(): boolean {
    return this.state >= TRAIL && this.state <= END;
  }

  /** Scans one more fragment. Returns false (and sets {@link fault}) on invalid input. */
  write(text: string): boolean {
    if (this.state === FAILED) return false;
    const ev = this.events;
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case LEAD:
          if (isSpace(c)) break;
          if (c === 0x60 && !this.fenced) {
            this.state = FENCE_OPEN;
            this.ticks = 1;
            break;
          }
          this.state = VALUE;
          continue;
        case FENCE_OPEN:
          if (c !== 0x60) return this.fail(i, false, 'the opening code fence ```');
          if (++this.ticks === 3) {
            this.fenced = true;
            this.state = FENCE_INFO;
          }
          break;
        case FENCE_INFO:
          if (c === 0x0a) this.state = LEAD;
          break;
        case VALUE:
        case VALUE_OR_CLOSE:
          if (isSpace(c)) break;
          if (c === 0x5d && this.state === VALUE_OR_CLOSE) {
            this.closeContainer();
            break;
          }
          if (!this.startValue(c, i)) return false;
          break;
        case KEY_OR_CLOSE:
        case KEY:
          if (isSpace(c)) break;
          if (c === 0x22) {
            this.inKey = true;
            this.keyText = '';
            this.state = STRING;
            break;
          }
          if (c === 0x7d && this.state === KEY_OR_CLOSE) {
            this.closeContainer();
            break;
          }
          return this.fail(i, false, this.state === KEY ? 'a member name in double quotes' : 'a member name in double quotes or }');
        case COLON:
          if (isSpace(c)) break;
          if (c !== 0x3a) return this.fail(i, false, ': after the member name');
          this.state = VALUE;
          break;
        case AFTER: {
          if (isSpace(c)) break;
          const inObject = this.stack[this.stack.length - 1];
          if (c === 0x2c) this.state = inObject ? KEY : VALUE;
          else if (c === (inObject ? 0x7d : 0x5d)) this.closeContainer();
          else return this.fail(i, false, inObject ? ', or }' : ', or ]');
          break;
        }
        case STRING: {
          // Scan a run of plain characters, then hand it over as one slice.
          const start = i;
          while (i < n) {
            const d = text.charCodeAt(i);
            if (d === 0x22 || d === 0x5c || d < 0x20) break;
            i++;
          }
          if (i > start) this.stringText(text.slice(start, i));
          if (i === n) continue;
          const d = text.charCodeAt(i);
          if (d < 0x20) return this.fail(i, false, 'no raw control character inside a string (escape it)');
          if (d === 0x5c) this.state = ESCAPE;
          else this.endString();
          break;
        }
        case ESCAPE: {
          if (c === 0x75) {
            this.state = UNICODE;
            this.hex = 0;
            this.hexCount = 0;
            break;
          }
          const decoded = ESCAPES[text[i]!];
          if (decoded === undefined) return this.fail(i, false, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
          this.state = STRING;
          this.stringText(decoded);
          break;
        }
        case UNICODE: {
          const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
          if (v < 0) return this.fail(i, false, 'four hex digits after \\u');
          this.hex = this.hex * 16 + v;
          if (++this.hexCount === 4) {
            this.state = STRING;
            this.stringText(String.fromCharCode(this.hex));
          }
          break;
        }
        case NUMBER: {
          const start = i;
          while (i < n && this.numberChar(text.charCodeAt(i))) i++;
          this.numberText += text.slice(start, i);
          if (i === n) continue;
          if (this.numberState !== INT_ZERO && this.numberState !== INT && this.numberState !== FRAC && this.numberState !== EXP) {
            return this.fail(i, false, 'a digit');
          }
          ev.primitive(Number(this.numberText));
          this.afterValue();
          continue; // the character that ended the number is read in the new state
        }
        case LITERAL:
          if (c !== this.literal.charCodeAt(this.literalPos)) return this.fail(i, false, `the literal ${this.literal}`);
          if (++this.literalPos === this.literal.length) {
            ev.primitive(this.literal === 'null' ? null : this.literal === 'true');
            this.afterValue();
          }
          break;
        case TRAIL:
          if (isSpace(c)) break;
          if (c === 0x60 && this.fenced) {
            this.state = FENCE_CLOSE;
            this.ticks = 1;
            break;
          }
          return this.fail(i, false, this.fenced ? 'the end of the JSON document (only whitespace or the closing ``` may follow)' : 'the end of the JSON document (only whitespace may follow)');
        case FENCE_CLOSE:
          if (c !== 0x60) return this.fail(i, false, 'the closing code fence ```');
          if (++this.ticks === 3) this.state = END;
          break;
        case END:
          if (!isSpace(c)) return this.fail(i, false, 'nothing after the closing code fence');
          break;
      }
      i++;
    }
    this.offset += n;
    return true;
  }

  /**
   * The text is over. Reports a root number still being read; returns false (and sets
   * {@link fault}) when the document is incomplete or invalid.
   */
  end(): boolean {
    if (this.state === FAILED) return false;
    if (this.state === NUMBER && this.stack.length === 0) {
      const s = this.numberState;
      if (s === INT_ZERO || s === INT || s === FRAC || s === EXP) {
        this.events.primitive(Number(this.numberText));
        this.state = TRAIL;
      }
    }
    if (this.rootDone) return true; // a closing fence cut short still leaves a whole document
    this.fail(0, true, 'more text: the JSON document is incomplete');
    return false;
  }

  private startValue(c: number, i: number): boolean {
    const ev = this.events;
    switch (c) {
      case 0x7b:
        this.stack.push(true);
        ev.open('object');
        this.state = KEY_OR_CLOSE;
        return true;
      case 0x5b:
        this.stack.push(false);
        ev.open('array');
        this.state = VALUE_OR_CLOSE;
        return true;
      case 0x22:
        this.inKey = false;
        ev.stringStart();
        this.state = STRING;
        return true;
      case 0x74:
      case 0x66:
      case 0x6e:
        this.literal = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
        this.literalPos = 1;
        this.state = LITERAL;
        return true;
      default:
        if (c === 0x2d || isDigit(c)) {
          this.numberText = '';
          this.numberState = MINUS;
          this.numberChar(c); // always accepted: a sign or a digit
          this.numberText = String.fromCharCode(c);
          this.state = NUMBER;
          return true;
        }
        this.fail(i, false, 'a JSON value');
        return false;
    }
  }

  /** Advances the number grammar by one character; false when `c` cannot continue the number. */
  private numberChar(c: number): boolean {
    const digit = isDigit(c);
    switch (this.numberState) {
      case MINUS:
        if (this.numberText === '' && c === 0x2d) return true; // the sign, first character
        if (!digit) return false;
        this.numberState = c === 0x30 ? INT_ZERO : INT;
        return true;
      case INT_ZERO:
      case INT:
        if (digit && this.numberState === INT) return true;
        if (c === 0x2e) this.numberState = DOT;
        else if (c === 0x65 || c === 0x45) this.numberState = E;
        else return false;
        return true;
      case DOT:
      case FRAC:
        if (digit) {
          this.numberState = FRAC;
          return true;
        }
        if (this.numberState === FRAC && (c === 0x65 || c === 0x45)) {
          this.numberState = E;
          return true;
        }
        return false;
      case E:
        if (c === 0x2b || c === 0x2d) {
          this.numberState = E_SIGN;
          return true;
        }
        if (!digit) return false;
        this.numberState = EXP;
        return true;
      case E_SIGN:
      case EXP:
        if (!digit) return false;
        this.numberState = EXP;
        return true;
      default:
        return false;
    }
  }

  private stringText(text: string): void {
    if (this.inKey) this.keyText += text;
    else this.events.stringChunk(text);
  }

  private endString(): void {
    if (this.inKey) {
      this.events.key(this.keyText);
      this.keyText = '';
      this.state = COLON;
    } else {
      this.events.stringEnd();
      this.afterValue();
    }
  }

  private closeContainer(): void {
    this.stack.pop();
    this.events.close();
    this.afterValue();
  }

  private afterValue(): void {
    this.state = this.stack.length === 0 ? TRAIL : AFTER;
  }

  private fail(i: number, truncated: boolean, expected: string): false {
    this.fault = { offset: truncated ? this.offset : this.offset + i, truncated, expected };
    this.state = FAILED;
    return false;
  }
}
