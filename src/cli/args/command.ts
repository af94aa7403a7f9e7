/**
 * A command of the command line and its subcommands: options, positional
 * arguments, an action, help with examples, and usage errors that name the
 * problem (with "Did you mean ...?" for a typo). The program's options come
 * before its command (`ferry --config F stat`); after a command name, the
 * command parses the rest.
 *
 * @example
 * ```ts
 * import { Command } from "./command.ts";
 * let got = "";
 * const program = new Command("demo").exitOverride();
 * program.command("greet").argument("<name>", "who").option("--loud", "shout")
 *   .action((name: string, o: { loud?: boolean }) => void (got = o.loud ? name.toUpperCase() : name));
 * await program.parseAsync(["greet", "--loud", "pi"], { from: "user" });
 * if (got !== "PI") throw new Error(got);
 * ```
 * @module
 */

import { type ArgParser, Argument, Option } from "./option.ts";
import { formatHelp } from "./help.ts";
import { suggestSimilar } from "./suggest.ts";

/**
 * Thrown instead of exiting: `exitCode` 0 after help or the version was
 * shown, 1 after a usage error was written to standard error.
 */
export class ArgsError extends Error {
  constructor(readonly exitCode: number, readonly code: string, message: string) {
    super(message);
    this.name = "ArgsError";
  }
}

/** Where help and errors are written. */
export interface OutputConfig {
  writeOut?: (text: string) => void;
  writeErr?: (text: string) => void;
}

// deno-lint-ignore no-explicit-any
type Action = (...args: any[]) => void | Promise<void>;
type Hook = (thisCommand: Command, actionCommand: Command) => void | Promise<void>;

const encoder = new TextEncoder();
const HELP = new Option("-h, --help", "display help for command");

function isOptionLike(arg: string): boolean {
  return arg.length > 1 && arg[0] === "-" && !/^-\d+(\.\d+)?$/.test(arg);
}

/** One command: the program itself or one of its (sub)commands. */
export class Command {
  /** Subcommands, in the order they were added. */
  readonly commands: Command[] = [];
  /** Options, in the order they were added (the help option is not among them). */
  readonly options: Option[] = [];
  /** Positional arguments, in order. */
  readonly registeredArguments: Argument[] = [];
  /** The command this one belongs to (null for the program). */
  parent: Command | null = null;
  #name: string;
  #description = "";
  #helpAfter: string[] = [];
  #action?: Action;
  #hooks: Hook[] = [];
  #passThrough = false;
  #version?: { text: string; option: Option };
  #out: Required<OutputConfig> = {
    writeOut: (s) => void Deno.stdout.writeSync(encoder.encode(s)),
    writeErr: (s) => void Deno.stderr.writeSync(encoder.encode(s)),
  };
  #helpAfterError: string | undefined;
  #exitOverride = false;
  #values: Record<string, unknown> = {};

  constructor(name = "") {
    this.#name = name;
  }

  /** Adds a subcommand (`name`, optionally followed by its arguments) and returns it. */
  command(nameAndArgs: string): Command {
    const [name, ...args] = nameAndArgs.trim().split(/\s+/);
    const sub = new Command(name);
    sub.parent = this;
    sub.#out = this.#out;
    sub.#helpAfterError = this.#helpAfterError;
    sub.#exitOverride = this.#exitOverride;
    for (const a of args) sub.argument(a);
    this.commands.push(sub);
    return sub;
  }

  /** The command's name (or sets it). */
  name(): string;
  name(name: string): this;
  name(name?: string): string | this {
    if (name === undefined) return this.#name;
    this.#name = name;
    return this;
  }

  /** Other names of the command (none: ferry gives each command one name). */
  aliases(): string[] {
    return [];
  }

  /** The command's description (or sets it). */
  description(): string;
  description(text: string): this;
  description(text?: string): string | this {
    if (text === undefined) return this.#description;
    this.#description = text;
    return this;
  }

  /** Adds a positional argument: `<name>`, `[name]` or `[name...]`. */
  argument(
    spec: string,
    description = "",
    parseOrDefault?: ArgParser | unknown,
    def?: unknown,
  ): this {
    const arg = new Argument(spec, description);
    if (typeof parseOrDefault === "function") {
      arg.parseArg = parseOrDefault as ArgParser;
      arg.defaultValue = def;
    } else {
      arg.defaultValue = parseOrDefault;
    }
    const last = this.registeredArguments.at(-1);
    if (last?.variadic) throw new TypeError(`${spec} follows the variadic ${last.usage()}`);
    this.registeredArguments.push(arg);
    return this;
  }

  /** Adds an option: `option(flags, description, [parser], [default])`. */
  option(
    flags: string,
    description = "",
    parseOrDefault?: ArgParser | unknown,
    def?: unknown,
  ): this {
    return this.addOption(Command.#makeOption(flags, description, parseOrDefault, def));
  }

  /** Adds an option that must be given. */
  requiredOption(
    flags: string,
    description = "",
    parseOrDefault?: ArgParser | unknown,
    def?: unknown,
  ): this {
    const opt = Command.#makeOption(flags, description, parseOrDefault, def);
    return this.addOption(opt.makeOptionMandatory());
  }

  static #makeOption(flags: string, description: string, parseOrDefault: unknown, def: unknown) {
    const opt = new Option(flags, description);
    if (typeof parseOrDefault === "function") {
      opt.argParser(parseOrDefault as ArgParser).default(def);
    } else {
      opt.default(parseOrDefault);
    }
    return opt;
  }

  /** Adds an {@linkcode Option} made with `new Option(...)`. */
  addOption(opt: Option): this {
    const clash = this.options.find((o) =>
      (opt.long && o.long === opt.long) || (opt.short && o.short === opt.short)
    );
    if (clash) throw new TypeError(`option ${opt.flags} clashes with ${clash.flags}`);
    this.options.push(opt);
    return this;
  }

  /** Adds text shown after the help (examples); only "after" is supported. */
  addHelpText(position: "after", text: string): this {
    if (position !== "after") {
      throw new TypeError(`help text position ${position} is not supported`);
    }
    this.#helpAfter.push(text);
    return this;
  }

  /** What runs the command: called with the arguments, then the options, then the command. */
  action(fn: Action): this {
    this.#action = fn;
    return this;
  }

  /** Runs `fn` before the action of this command or any of its subcommands. */
  hook(event: "preAction", fn: Hook): this {
    if (event !== "preAction") throw new TypeError(`hook ${event} is not supported`);
    this.#hooks.push(fn);
    return this;
  }

  /** Adds `-V, --version`, which prints `text`. */
  version(text: string, flags = "-V, --version", description = "output the version number"): this {
    const option = new Option(flags, description);
    this.#version = { text, option };
    this.options.push(option);
    return this;
  }

  /** After the first positional argument, everything is an argument (options too). */
  passThroughOptions(on = true): this {
    this.#passThrough = on;
    return this;
  }

  /** True when {@linkcode passThroughOptions} is on. */
  get passesThrough(): boolean {
    return this.#passThrough;
  }

  /**
   * The program's options come before the command name; after it, the
   * command parses the rest. Always so here; kept for compatibility.
   */
  enablePositionalOptions(): this {
    return this;
  }

  /** Throw an {@linkcode ArgsError} instead of exiting the process (for this command and those added later). */
  exitOverride(): this {
    this.#exitOverride = true;
    return this;
  }

  /** Text written after a usage error (for this command and those added later). */
  showHelpAfterError(text: string): this {
    this.#helpAfterError = text;
    return this;
  }

  /** Where help and errors go (for this command and those added later). */
  configureOutput(config: OutputConfig): this {
    this.#out = { ...this.#out, ...config };
    return this;
  }

  /** The option values of the last parse, by attribute name. */
  // deno-lint-ignore no-explicit-any
  opts<T = Record<string, any>>(): T {
    return { ...this.#values } as T;
  }

  /** The option values of this command and of every command it belongs to. */
  // deno-lint-ignore no-explicit-any
  optsWithGlobals<T = Record<string, any>>(): T {
    // A command's own value wins over the program's.
    return Object.assign({}, ...this.#lineage().map((c) => c.#values)) as T;
  }

  /** The program, then each command down to this one. */
  #lineage(): Command[] {
    const out: Command[] = [];
    for (let c = this.parent; c; c = c.parent) out.unshift(c);
    out.push(this);
    return out;
  }

  /** `ferry queue write`: the names from the program down to this command. */
  #path(): string {
    return this.#lineage().map((c) => c.#name).join(" ");
  }

  /** `[options] [command] <args>` */
  usage(): string {
    return [
      "[options]",
      ...(this.commands.length > 0 ? ["[command]"] : []),
      ...this.registeredArguments.map((a) => a.usage()),
    ].join(" ");
  }

  #optionDescription(o: Option): string {
    const showDefault = o.takesValue() || typeof o.defaultValue === "boolean";
    if (!showDefault || o.defaultValue === undefined) return o.description;
    return `${o.description} (default: ${JSON.stringify(o.defaultValue)})`;
  }

  /** The help text (without the text added with {@linkcode addHelpText}). */
  helpInformation(): string {
    const args = this.registeredArguments.some((a) => a.description)
      ? this.registeredArguments.map((a): [string, string] => [
        a.name(),
        a.defaultValue === undefined
          ? a.description
          : `${a.description} (default: ${JSON.stringify(a.defaultValue)})`,
      ])
      : [];
    const options = [...this.options, HELP].map((o): [string, string] => [
      o.flags,
      this.#optionDescription(o),
    ]);
    const commands = this.commands.map((c): [string, string] => [
      [
        c.#name,
        ...(c.options.length > 0 ? ["[options]"] : []),
        ...c.registeredArguments.map((a) => a.usage()),
      ].join(" "),
      c.#description,
    ]);
    if (commands.length > 0) commands.push(["help [command]", "display help for command"]);
    return formatHelp({
      usage: `${this.#path()} ${this.usage()}`,
      description: this.#description,
      arguments: args,
      options,
      commands,
    });
  }

  #helpText(): string {
    return this.helpInformation() + this.#helpAfter.map((t) => `${t}\n`).join("");
  }

  /** Writes the help (with its examples) to the output. */
  outputHelp(): void {
    this.#out.writeOut(this.#helpText());
  }

  /** Shows the help and ends the parse (exit code 0). */
  #help(): never {
    this.outputHelp();
    throw this.#exit(0, "commander.helpDisplayed", "(outputHelp)");
  }

  #exit(code: number, kind: string, message: string): ArgsError {
    const err = new ArgsError(code, kind, message);
    if (!this.#exitOverride) Deno.exit(code);
    return err;
  }

  /** Writes a usage error and ends the parse (exit code 1). */
  error(message: string, code = "commander.error"): never {
    this.#out.writeErr(`error: ${message}\n`);
    if (this.#helpAfterError !== undefined) this.#out.writeErr(`${this.#helpAfterError}\n`);
    throw this.#exit(1, code, `error: ${message}`);
  }

  #findCommand(name: string): Command | undefined {
    return this.commands.find((c) => c.#name === name);
  }

  #findOption(flag: string): Option | undefined {
    return this.options.find((o) => o.is(flag));
  }

  #unknownOption(flag: string): never {
    const candidates = [...this.options, HELP].flatMap((o) => o.long ? [o.long] : []);
    const hint = flag.startsWith("--") ? suggestSimilar(flag, candidates) : "";
    this.error(`unknown option '${flag}'${hint}`, "commander.unknownOption");
  }

  #unknownCommand(name: string): never {
    const hint = suggestSimilar(name, [...this.commands.map((c) => c.#name), "help"]);
    this.error(`unknown command '${name}'${hint}`, "commander.unknownCommand");
  }

  #setOption(opt: Option, value: string | undefined): void {
    const key = opt.attributeName();
    if (!opt.takesValue()) {
      this.#values[key] = !opt.negate;
      return;
    }
    if (value === undefined) {
      this.#values[key] = opt.negate ? false : (opt.optional ? true : undefined);
      return;
    }
    const previous = this.#values[key];
    if (opt.parseArg) {
      this.#values[key] = opt.parseArg(value, previous);
    } else if (opt.variadic) {
      this.#values[key] = Array.isArray(previous) && previous !== opt.defaultValue
        ? [...previous, value]
        : [value];
    } else {
      this.#values[key] = value;
    }
  }

  #initValues(): void {
    this.#values = {};
    for (const o of this.options) {
      if (o === this.#version?.option) continue;
      const key = o.attributeName();
      if (o.defaultValue !== undefined) this.#values[key] = o.defaultValue;
      else if (o.negate && !this.options.some((p) => !p.negate && p.attributeName() === key)) {
        this.#values[key] = true;
      }
    }
  }

  /** Parses `argv` (the words after the program name, with `{ from: "user" }`) and runs the action. */
  async parseAsync(argv: readonly string[], _from?: { from: "user" }): Promise<this> {
    await this.#parse([...argv], []);
    return this;
  }

  async #parse(args: string[], ancestors: Command[]): Promise<void> {
    this.#initValues();
    const operands: string[] = [];
    let helpRequested = false;
    let variadic: Option | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "--") {
        operands.push(...args.slice(i + 1));
        break;
      }
      if (variadic && !isOptionLike(arg)) {
        this.#setOption(variadic, arg);
        continue;
      }
      variadic = undefined;
      if (isOptionLike(arg)) {
        let flag = arg;
        let inline: string | undefined;
        if (arg.startsWith("--")) {
          const eq = arg.indexOf("=");
          if (eq > 0) {
            flag = arg.slice(0, eq);
            inline = arg.slice(eq + 1);
          }
        } else if (arg.length > 2) {
          flag = arg.slice(0, 2);
          inline = arg.slice(2);
        }
        if (HELP.is(flag) && inline === undefined) {
          helpRequested = true;
          continue;
        }
        if (this.#version?.option.is(flag) && inline === undefined) {
          this.#out.writeOut(`${this.#version.text}\n`);
          throw this.#exit(0, "commander.version", this.#version.text);
        }
        const opt = this.#findOption(flag);
        if (!opt) {
          if (helpRequested) continue;
          this.#unknownOption(flag);
        }
        if (!opt.takesValue()) {
          if (inline !== undefined) {
            if (arg.startsWith("--")) this.#unknownOption(arg);
            // -abc: -a, then -bc
            args.splice(i + 1, 0, `-${inline}`);
          }
          this.#setOption(opt, undefined);
          continue;
        }
        let value = inline;
        if (value === undefined) {
          const nextArg = args[i + 1];
          if (opt.required && nextArg !== undefined) {
            value = nextArg;
            i++;
          } else if (opt.optional && nextArg !== undefined && !isOptionLike(nextArg)) {
            value = nextArg;
            i++;
          } else if (opt.required) {
            this.error(`option '${opt.flags}' argument missing`, "commander.optionMissingArgument");
          }
        }
        this.#setOption(opt, value);
        if (opt.variadic) variadic = opt;
        continue;
      }
      // A positional word: a subcommand's name, or an argument.
      if (this.commands.length > 0 && operands.length === 0) {
        const sub = this.#findCommand(arg);
        const rest = args.slice(i + 1);
        // --help before the command's name is this command's help (as commander has it).
        if (sub && helpRequested) this.#help();
        if (sub) return await sub.#parse(rest, [...ancestors, this]);
        if (arg === "help") return this.#helpFor(rest);
        // An unknown command with --help shows this command's help (as commander has it).
        const end = rest.indexOf("--");
        const before = end < 0 ? rest : rest.slice(0, end);
        if (helpRequested || before.some((a) => HELP.is(a))) this.#help();
        this.#unknownCommand(arg);
      }
      operands.push(arg);
      if (this.#passThrough) {
        operands.push(...args.slice(i + 1));
        break;
      }
    }
    if (helpRequested) this.#help();
    if (this.commands.length > 0 && !this.#action) {
      // A command that only groups others: say what it offers.
      this.#out.writeErr(this.#helpText());
      throw this.#exit(1, "commander.help", "(outputHelp)");
    }
    for (const o of this.options) {
      if (o.mandatory && this.#values[o.attributeName()] === undefined) {
        this.error(
          `required option '${o.flags}' not specified`,
          "commander.missingMandatoryOptionValue",
        );
      }
    }
    const values: unknown[] = [];
    this.registeredArguments.forEach((a, n) => {
      if (a.variadic) {
        const rest = operands.slice(n);
        if (rest.length === 0 && a.required) {
          this.error(`missing required argument '${a.name()}'`, "commander.missingArgument");
        }
        values.push(
          rest.length === 0
            ? (a.defaultValue ?? [])
            : a.parseArg
            ? rest.reduce<unknown>((prev, v) => a.parseArg!(v, prev), a.defaultValue)
            : rest,
        );
        return;
      }
      const v = operands[n];
      if (v === undefined) {
        if (a.required) {
          this.error(`missing required argument '${a.name()}'`, "commander.missingArgument");
        }
        values.push(a.defaultValue);
      } else {
        values.push(a.parseArg ? a.parseArg(v, a.defaultValue) : v);
      }
    });
    const declared = this.registeredArguments.length;
    if (!this.registeredArguments.at(-1)?.variadic && operands.length > declared) {
      const forWhat = this.parent ? ` for '${this.#name}'` : "";
      this.error(
        `too many arguments${forWhat}. Expected ${declared} argument${
          declared === 1 ? "" : "s"
        } but got ${operands.length}: ${operands.join(", ")}.`,
        "commander.excessArguments",
      );
    }
    if (!this.#action) return;
    for (const c of [...ancestors, this]) {
      for (const hook of c.#hooks) await hook(c, this);
    }
    await this.#action(...values, this.opts(), this);
  }

  /** `help [command ...]`: the help of the named (sub)command. */
  #helpFor(names: string[]): never {
    const [name, ...rest] = names;
    if (name === undefined || name.startsWith("-")) this.#help();
    const sub = this.#findCommand(name);
    if (!sub) this.#unknownCommand(name);
    return sub.#helpFor(rest);
  }
}
