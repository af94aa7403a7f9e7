/**
 * Reads Hjson (https://hjson.github.io) as NNCP's configuration files and
 * ferry's own use it, with the same results as the reference parser:
 *
 * - comments: `#` and `//` to the end of the line, `/* ... *\/`;
 * - keys with or without quotes (quoteless keys hold no whitespace and none
 *   of `{}[],:`);
 * - strings in double or single quotes with JSON's escapes (and `\'`);
 * - quoteless values, which run to the end of their line: a value that reads
 *   as a number, `true`, `false` or `null` is that (and may then be followed
 *   by `,` `}` `]` or a comment on the same line), anything else is the text
 *   up to the end of the line, trailing whitespace removed;
 * - `'''` multiline strings, each line stripped of up to as much leading
 *   whitespace as the column the `'''` starts at;
 * - optional commas (members and elements separated by newlines), trailing
 *   commas allowed; the root object with or without braces.
 *
 * It is stricter than the reference parser where that one is silently loose:
 * nesting deeper than {@linkcode HJSON_LIMITS}.depthMax and text longer than
 * `textCharsMax` are refused, a block comment left open is an error, and a
 * key named `__proto__` is an ordinary key. Errors are {@linkcode HjsonError}s
 * naming the line and column.
 *
 * @example
 * ```ts
 * import { parseHjson } from "./parse.ts";
 * const cfg = parseHjson("spool: /var/spool/nncp  \nneigh: { self: { id: ABC } } # me");
 * if ((cfg as { spool: string }).spool !== "/var/spool/nncp") throw new Error("bad parse");
 * ```
 * @module
 */

/** Limits on what {@linkcode parseHjson} reads. */
export const HJSON_LIMITS = {
  /** Deepest nesting of objects and arrays. */
  depthMax: 64,
  /** Longest text, in UTF-16 code units (configuration files are at most 1 MiB). */
  textCharsMax: 4 * 1024 * 1024,
} as const;

/** Options for {@linkcode parseHjson}. */
export interface HjsonParseOptions {
  /** Deepest nesting of objects and arrays (default {@linkcode HJSON_LIMITS}.depthMax). */
  depthMax?: number;
  /** Longest text in UTF-16 code units (default {@linkcode HJSON_LIMITS}.textCharsMax). */
  textCharsMax?: number;
}

/** A syntax error, with its 1-based line and column. */
export class HjsonError extends SyntaxError {
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem. */
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "HjsonError";
    this.line = line;
    this.column = column;
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function isPunctuator(c: string): boolean {
  return c === "{" || c === "}" || c === "[" || c === "]" || c === "," || c === ":";
}

/** True for the empty string (end of text) and for characters up to U+0020, as Hjson counts space. */
function isSpace(c: string): boolean {
  return c !== "" && c <= " ";
}

/**
 * The number `text` spells in Hjson's grammar (`-`? at least one digit, no
 * leading zeros, optional fraction and exponent, trailing whitespace), or
 * `undefined`.
 */
export function hjsonNumber(text: string): number | undefined {
  // Hjson counts every character up to U+0020 as space.
  // deno-lint-ignore no-control-regex
  const m = /^(-?)(\d*)(\.\d*)?([eE][-+]?\d*)?[\x00-\x20]*$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  if (digits === "" || (digits.length > 1 && digits.startsWith("0"))) return undefined;
  const n = Number(`${m[1]}${digits}${m[3] ?? ""}${m[4] ?? ""}`);
  return Number.isFinite(n) ? n : undefined;
}

class Parser {
  /** Index of the character after {@linkcode ch}. */
  at = 0;
  /** The current character ("" at the end); read it with {@linkcode c}. */
  cur = " ";
  depth = 0;

  constructor(readonly text: string, readonly depthMax: number) {}

  fail(message: string, index = this.at - 1): never {
    let line = 1;
    let lineStart = 0;
    const end = Math.min(Math.max(index, 0), this.text.length);
    for (let i = 0; i < end; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new HjsonError(message, line, end - lineStart + 1);
  }

  next(): string {
    this.cur = this.text.charAt(this.at);
    this.at++;
    return this.cur;
  }

  /** The current character (a method, so checks on it are not narrowed across next()). */
  c(): string {
    return this.cur;
  }

  peek(offset: number): string {
    return this.text.charAt(this.at + offset);
  }

  reset(): void {
    this.at = 0;
    this.cur = " ";
    this.depth = 0;
  }

  white(): void {
    while (this.c()) {
      while (isSpace(this.c())) this.next();
      if (this.c() === "#" || (this.c() === "/" && this.peek(0) === "/")) {
        while (this.c() && this.c() !== "\n") this.next();
      } else if (this.c() === "/" && this.peek(0) === "*") {
        const start = this.at - 1;
        this.next();
        this.next();
        while (this.c() && !(this.c() === "*" && this.peek(0) === "/")) this.next();
        if (!this.c()) this.fail("a /* comment is never closed with */", start);
        this.next();
        this.next();
      } else break;
    }
  }

  enter(what: string): void {
    if (++this.depth > this.depthMax) {
      this.fail(`${what} nested deeper than ${this.depthMax} levels`);
    }
  }

  string(allowMultiline: boolean): string {
    const start = this.at - 1;
    const quote = this.c();
    let out = "";
    while (this.next()) {
      if (this.c() === quote) {
        this.next();
        if (allowMultiline && quote === "'" && this.c() === "'" && out.length === 0) {
          this.next();
          return this.multiline();
        }
        return out;
      }
      if (this.c() === "\\") {
        this.next();
        if (this.c() === "u") {
          let code = 0;
          for (let i = 0; i < 4; i++) {
            this.next();
            const hex = /^[0-9a-fA-F]$/.test(this.c()) ? parseInt(this.c(), 16) : -1;
            if (hex < 0) {
              this.fail(`bad \\u escape: ${JSON.stringify(this.c())} is not a hex digit`);
            }
            code = code * 16 + hex;
          }
          out += String.fromCharCode(code);
        } else if (Object.hasOwn(ESCAPES, this.c())) {
          out += ESCAPES[this.c()];
        } else {
          this.fail(`bad escape \\${this.c()} in a quoted string`);
        }
      } else if (this.c() === "\n" || this.c() === "\r") {
        this.fail("a quoted string runs into a line break (use ''' for text on several lines)");
      } else {
        out += this.c();
      }
    }
    this.fail("a quoted string is never closed", start);
  }

  multiline(): string {
    const start = this.at - 4;
    // The column of the opening ''': that much leading whitespace is stripped from each line.
    let indent = 0;
    for (;;) {
      const c = this.peek(-indent - 5);
      if (!c || c === "\n") break;
      indent++;
    }
    const skipIndent = () => {
      let skip = indent;
      while (isSpace(this.c()) && this.c() !== "\n" && skip-- > 0) this.next();
    };
    while (isSpace(this.c()) && this.c() !== "\n") this.next();
    if (this.c() === "\n") {
      this.next();
      skipIndent();
    }
    let out = "";
    let quotes = 0;
    for (;;) {
      if (!this.c()) {
        this.fail("a ''' string is never closed", start);
      } else if (this.c() === "'") {
        quotes++;
        this.next();
        if (quotes === 3) return out.endsWith("\n") ? out.slice(0, -1) : out;
        continue;
      } else {
        out += "'".repeat(quotes);
        quotes = 0;
      }
      if (this.c() === "\n") {
        out += "\n";
        this.next();
        skipIndent();
      } else {
        if (this.c() !== "\r") out += this.c();
        this.next();
      }
    }
  }

  key(): string {
    if (this.c() === '"' || this.c() === "'") return this.string(false);
    let name = "";
    const start = this.at;
    let space = -1;
    for (;;) {
      if (this.c() === ":") {
        if (!name) this.fail("found ':' but no key name (write an empty key as \"\")");
        if (space >= 0 && space !== name.length) {
          this.fail("a key name holds whitespace (put it in quotes)", start + space - 1);
        }
        return name;
      }
      if (this.c() === "") this.fail("the text ends where a key name was expected");
      if (this.c() <= " ") {
        if (space < 0) space = name.length;
      } else if (isPunctuator(this.c())) {
        this.fail(
          `found '${this.c()}' where a key name was expected (quote key names holding {}[],: or spaces)`,
        );
      } else {
        name += this.c();
      }
      this.next();
    }
  }

  /** A quoteless value: a number, true, false, null, or text to the end of the line. */
  quoteless(): unknown {
    if (isPunctuator(this.c())) {
      this.fail(`found '${this.c()}' where a value was expected`);
    }
    let value = this.c();
    for (;;) {
      this.next();
      const eol = this.c() === "\r" || this.c() === "\n" || this.c() === "";
      if (
        eol || this.c() === "," || this.c() === "}" || this.c() === "]" || this.c() === "#" ||
        (this.c() === "/" && (this.peek(0) === "/" || this.peek(0) === "*"))
      ) {
        const first = value[0]!;
        const word = value.trim();
        if (first === "f" && word === "false") return false;
        if (first === "n" && word === "null") return null;
        if (first === "t" && word === "true") return true;
        if (first === "-" || (first >= "0" && first <= "9")) {
          const n = hjsonNumber(value);
          if (n !== undefined) return n;
        }
        if (eol) return value.trim();
      }
      value += this.c();
    }
  }

  array(): unknown[] {
    this.enter("arrays and objects are");
    const out: unknown[] = [];
    this.next();
    this.white();
    while (this.c()) {
      if (this.c() === "]") {
        this.next();
        this.depth--;
        return out;
      }
      out.push(this.value());
      this.white();
      if (this.c() === ",") {
        this.next();
        this.white();
      }
    }
    this.fail("the text ends inside an array (missing ']')");
  }

  object(withoutBraces: boolean): Record<string, unknown> {
    this.enter("arrays and objects are");
    const out: Record<string, unknown> = {};
    if (!withoutBraces) this.next();
    this.white();
    if (this.c() === "}" && !withoutBraces) {
      this.next();
      this.depth--;
      return out;
    }
    while (this.c()) {
      const key = this.key();
      this.white();
      if (this.c() !== ":") this.fail(`expected ':' after the key ${JSON.stringify(key)}`);
      this.next();
      // A later duplicate replaces the earlier value; __proto__ is an ordinary key.
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.white();
      if (this.c() === ",") {
        this.next();
        this.white();
      }
      if (this.c() === "}" && !withoutBraces) {
        this.next();
        this.depth--;
        return out;
      }
      this.white();
    }
    if (withoutBraces) {
      this.depth--;
      return out;
    }
    this.fail("the text ends inside an object (missing '}')");
  }

  value(): unknown {
    this.white();
    switch (this.c()) {
      case "{":
        return this.object(false);
      case "[":
        return this.array();
      case "'":
      case '"':
        return this.string(true);
      default:
        return this.quoteless();
    }
  }

  trailing<T>(value: T): T {
    this.white();
    if (this.c()) this.fail(`unexpected text after the end: ${JSON.stringify(this.c())}`);
    return value;
  }

  root(): unknown {
    this.white();
    if (this.c() === "{") return this.trailing(this.object(false));
    if (this.c() === "[") return this.trailing(this.array());
    try {
      return this.trailing(this.object(true));
    } catch (err) {
      // A single value (a number, a quoted string) is a root too.
      this.reset();
      try {
        return this.trailing(this.value());
      } catch {
        throw err;
      }
    }
  }
}

/**
 * Parses Hjson text into plain values (objects, arrays, strings, numbers,
 * booleans, null).
 * @throws {HjsonError} naming the line and column of the first problem.
 * @throws {RangeError} for text over the size limit.
 */
export function parseHjson(text: string, options: HjsonParseOptions = {}): unknown {
  const textCharsMax = options.textCharsMax ?? HJSON_LIMITS.textCharsMax;
  if (text.length > textCharsMax) {
    throw new RangeError(
      `the Hjson text is ${text.length} characters long, over the limit of ${textCharsMax}`,
    );
  }
  return new Parser(text, options.depthMax ?? HJSON_LIMITS.depthMax).root();
}
