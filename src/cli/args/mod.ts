/**
 * ferry's command-line parser: commands and subcommands, options (with
 * values, defaults, `--no-` negation, several values, parsers, mandatory
 * ones), positional arguments, `--help` with examples, `help NAME`,
 * `--version`, and usage errors with a "Did you mean ...?".
 * @module
 */

export { ArgsError, Command } from "./command.ts";
export type { OutputConfig } from "./command.ts";
export { Argument, Option } from "./option.ts";
export type { ArgParser } from "./option.ts";
export { editDistance, suggestSimilar } from "./suggest.ts";
