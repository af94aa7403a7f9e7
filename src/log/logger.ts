/**
 * Structured logging for ferry: every line is a stable event name followed
 * by `key=value` fields, so people can read it and scripts can grep it.
 *
 * Under systemd (`JOURNAL_STREAM` set) each line starts with the syslog
 * priority prefix (`<3>`, `<4>`, `<6>`, `<7>`) that journald understands.
 *
 * @example
 * ```ts
 * import { createLogger, memorySink } from "./logger.ts";
 * const sink = memorySink();
 * const log = createLogger({ sink: sink.write, level: "debug" });
 * log.info("toss-done", { node: "bob", packets: 3 });
 * console.assert(sink.lines[0] === "info toss-done node=bob packets=3");
 * ```
 * @module
 */

/** Log levels, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug";
import type { LogFields, Logger, LogValue } from "../../hw/log.ts";
import { humanBytes } from "./humanize.ts";
export type { LogFields, Logger, LogValue };

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const SYSLOG: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Where finished lines go. Default: standard error. */
  sink?: (line: string, level: LogLevel) => void;
  /** Prefix each line with the journald priority marker. Default: when `JOURNAL_STREAM` is set. */
  journald?: boolean;
  /**
   * Byte counts with units (see {@linkcode formatLine}). Default: when lines
   * go to standard error, it is a terminal, and this is not journald.
   */
  human?: boolean;
}

function quote(value: LogValue): string {
  if (value === undefined) return "";
  const text = String(value);
  if (text === "" || /[\s"=\\]/.test(text) || /[^\x20-\x7e]/.test(text)) {
    return JSON.stringify(text);
  }
  return text;
}

/** Fields that hold byte counts: `size`, `bytes`, `free` and any `...Bytes`. */
export function isByteField(key: string): boolean {
  return key === "size" || key === "bytes" || key === "free" || /Bytes$/.test(key);
}

/**
 * Renders one line without a priority prefix: `level event k=v ...`. With
 * `human`, byte counts carry their unit (`size="150 MiB"`), for people
 * reading a terminal; otherwise they are exact numbers, for scripts.
 */
export function formatLine(
  level: LogLevel,
  event: string,
  fields: LogFields,
  human = false,
): string {
  let line = `${level} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const shown = human && typeof value === "number" && Number.isSafeInteger(value) &&
        value >= 0 && isByteField(key)
      ? humanBytes(value)
      : value;
    line += ` ${key}=${quote(shown)}`;
  }
  return line;
}

function terminalDefault(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

const encoder = new TextEncoder();
function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function journalDefault(): boolean {
  try {
    return Deno.env.get("JOURNAL_STREAM") !== undefined;
  } catch {
    return false;
  }
}

/** Creates a logger. */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const limit = RANK[options.level ?? "info"];
  const sink = options.sink ?? stderrSink;
  const journald = options.journald ?? journalDefault();
  const human = options.human ?? (options.sink === undefined && !journald && terminalDefault());
  const emit = (level: LogLevel, event: string, fields?: LogFields) => {
    if (RANK[level] > limit) return;
    const line = formatLine(level, event, { ...base, ...fields }, human);
    sink(journald ? `<${SYSLOG[level]}>${line}` : line, level);
  };
  return {
    error: (e, f) => emit("error", e, f),
    warn: (e, f) => emit("warn", e, f),
    info: (e, f) => emit("info", e, f),
    debug: (e, f) => emit("debug", e, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A sink that keeps lines in memory, for tests. */
export function memorySink(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ sink: () => {}, journald: false });
