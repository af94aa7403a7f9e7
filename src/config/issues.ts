/**
 * Collects configuration problems so the whole file is checked at once and
 * every problem is reported with its key path, instead of stopping at the
 * first one.
 * @module
 */

/** One problem found in a configuration file. */
export interface ConfigIssue {
  /** Key path such as `neigh.bob.exchpub`. */
  path: string;
  /** What is wrong and what is expected. */
  message: string;
  /** Errors stop ferry from starting; warnings are printed and ferry goes on. */
  severity: "error" | "warning";
}

/** Accumulates {@linkcode ConfigIssue}s. */
export class IssueList {
  readonly items: ConfigIssue[] = [];

  /** Records an error at `path`. */
  error(path: string, message: string): void {
    this.items.push({ path, message, severity: "error" });
  }

  /** Records a warning at `path`. */
  warn(path: string, message: string): void {
    this.items.push({ path, message, severity: "warning" });
  }

  /** The errors only. */
  get errors(): ConfigIssue[] {
    return this.items.filter((i) => i.severity === "error");
  }

  /** The warnings only. */
  get warnings(): ConfigIssue[] {
    return this.items.filter((i) => i.severity === "warning");
  }
}

/**
 * Raised when a configuration has errors; carries all of them, and the
 * warnings found with them (a misspelt key is a warning that often explains
 * an error: `spoool: unknown key` next to `spool: is missing`).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The errors only. */
  readonly issues: ConfigIssue[];
  /** Warnings found in the same file. */
  readonly warnings: ConfigIssue[];
  constructor(readonly file: string, all: ConfigIssue[]) {
    const issues = all.filter((i) => i.severity === "error");
    const warnings = all.filter((i) => i.severity === "warning");
    const line = (i: ConfigIssue) => `  ${i.path || "(top level)"}: ${i.message}`;
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the configuration:\n` +
        issues.map(line).join("\n") +
        (warnings.length > 0
          ? `\nand ${warnings.length} warning${warnings.length === 1 ? "" : "s"}:\n` +
            warnings.map(line).join("\n")
          : ""),
    );
    this.issues = issues;
    this.warnings = warnings;
  }
}

/**
 * Appends keys to a key path: `joinPath("neigh", "bob")` is `neigh.bob`,
 * `joinPath("neigh.bob.via", 0)` is `neigh.bob.via[0]`. The first argument is
 * a path already; the others are single keys, quoted when they hold odd
 * characters.
 */
export function joinPath(path: string, ...keys: (string | number)[]): string {
  let out = path;
  for (const key of keys) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const part = /^[\w-]+$/.test(key) ? key : JSON.stringify(key);
      out = out === "" ? part : `${out}.${part}`;
    }
  }
  return out;
}
