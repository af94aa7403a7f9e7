/**
 * The logging contract the hardware layer writes to. It is the subset of
 * ferry's structured logger (`src/log/logger.ts`) that drivers need, so
 * `hw/` depends on no concrete module in `src/`.
 * @module
 */

/** Field values a log line can carry. */
export type LogValue = string | number | bigint | boolean | null | undefined;
/** The fields of one log line. */
export type LogFields = Record<string, LogValue>;

/** A structured logger: a stable event name plus fields. */
export interface Logger {
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silentLogger,
};
