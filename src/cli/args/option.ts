/**
 * Options and arguments of a command: how they are spelled (`-q, --queuedir
 * <dir>`, `--no-verify`, `--pkt <ids...>`, `<src>`, `[args...]`), their
 * defaults, parsers and whether they must be given.
 * @module
 */

/** Turns a value from the command line into what the action receives. */
// deno-lint-ignore no-explicit-any
export type ArgParser = (value: string, previous: any) => unknown;

/** One option: `-s, --long`, `--long <value>`, `--long [value]`, `--long <values...>`, `--no-long`. */
export class Option {
  /** As written, e.g. `-q, --queuedir <dir>`. */
  readonly flags: string;
  /** What it does (shown by `--help`). */
  readonly description: string;
  /** `-q`, when it has one. */
  readonly short?: string;
  /** `--queuedir`, when it has one. */
  readonly long?: string;
  /** It takes a value that must be given (`<value>`). */
  readonly required: boolean;
  /** It takes a value that may be left out (`[value]`). */
  readonly optional: boolean;
  /** It takes one or more values (`<values...>`). */
  readonly variadic: boolean;
  /** `--no-NAME`: sets NAME to false. */
  readonly negate: boolean;
  /** It must be given (or have a default). */
  mandatory = false;
  /** Its value when not given. */
  defaultValue: unknown = undefined;
  /** Parser for its value. */
  parseArg?: ArgParser;

  constructor(flags: string, description = "") {
    this.flags = flags;
    this.description = description;
    const parts = flags.split(/[ ,|]+/).filter((p) => p !== "");
    let short: string | undefined;
    let long: string | undefined;
    for (const p of parts) {
      if (/^--[^-]/.test(p)) long = p;
      else if (/^-[^-]$/.test(p)) short = p;
    }
    if (short !== undefined) this.short = short;
    if (long !== undefined) this.long = long;
    this.required = flags.includes("<");
    this.optional = flags.includes("[");
    this.variadic = /\.\.\.[>\]]/.test(flags);
    this.negate = long?.startsWith("--no-") ?? false;
    if (short === undefined && long === undefined) {
      throw new TypeError(`option flags ${JSON.stringify(flags)} name no -x or --long flag`);
    }
  }

  /** Sets the value used when the option is not given. */
  default(value: unknown): this {
    this.defaultValue = value;
    return this;
  }

  /** Sets the parser for the option's value. */
  argParser(parse: ArgParser): this {
    this.parseArg = parse;
    return this;
  }

  /** Makes the option one that must be given. */
  makeOptionMandatory(mandatory = true): this {
    this.mandatory = mandatory;
    return this;
  }

  /** The flag's name without dashes (`queuedir`, `no-verify`, or `q`). */
  name(): string {
    return (this.long ?? this.short!).replace(/^-+/, "");
  }

  /** The key in `opts()`: `--decoded-max-bytes` → `decodedMaxBytes`, `--no-verify` → `verify`. */
  attributeName(): string {
    const name = this.negate ? this.name().slice(3) : this.name();
    return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  }

  /** True when the option takes a value. */
  takesValue(): boolean {
    return this.required || this.optional;
  }

  /** True when `flag` is this option's short or long flag. */
  is(flag: string): boolean {
    return flag === this.short || flag === this.long;
  }
}

/** One positional argument: `<name>` (required), `[name]` (optional), `[name...]` (the rest). */
export class Argument {
  readonly description: string;
  readonly required: boolean;
  readonly variadic: boolean;
  readonly #name: string;
  defaultValue: unknown = undefined;
  parseArg?: ArgParser;

  constructor(spec: string, description = "") {
    this.description = description;
    const m = /^([<[])(.+?)(\.\.\.)?([>\]])$/.exec(spec.trim());
    if (!m || (m[1] === "<") !== (m[4] === ">")) {
      throw new TypeError(`argument ${JSON.stringify(spec)} must look like <name> or [name]`);
    }
    this.required = m[1] === "<";
    this.variadic = m[3] !== undefined;
    this.#name = m[2]!;
  }

  /** The name shown in help (`node:src`). */
  name(): string {
    return this.#name;
  }

  /** As shown in a usage line: `<src>`, `[args...]`. */
  usage(): string {
    const inner = this.#name + (this.variadic ? "..." : "");
    return this.required ? `<${inner}>` : `[${inner}]`;
  }
}
