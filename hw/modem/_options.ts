/**
 * Checks modem options that come from the configuration file (hostile
 * input): every wrong type or value is reported with its key path and the
 * accepted range.
 * @module
 */

/** A plain object whose keys are checked one by one. */
export type Raw = Record<string, unknown>;

/** Returns `value` as an object, or throws `TypeError` naming `path`. */
export function object(value: unknown, path: string): Raw {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${path} must be an object, got ${describe(value)}`);
  }
  return value as Raw;
}

/** Throws `TypeError` for keys outside `known`: a typo must not pass silently. */
export function onlyKeys(raw: Raw, path: string, known: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new TypeError(`${path}.${key} is not a known option (known: ${known.join(", ")})`);
    }
  }
}

/** An optional integer in [min, max]. */
export function int(
  raw: Raw,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${path}.${key} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${path}.${key} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** An optional boolean. */
export function bool(raw: Raw, key: string, path: string): boolean | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") {
    throw new TypeError(`${path}.${key} must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** An optional string. */
export function str(raw: Raw, key: string, path: string): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${path}.${key} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** An optional value out of a fixed list. */
export function oneOf<T extends string | number>(
  raw: Raw,
  key: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new RangeError(
      `${path}.${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${
        describe(value)
      }`,
    );
  }
  return value as T;
}

/** Copies the defined entries of `fields` (keeps exactOptionalPropertyTypes happy). */
export function defined<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as T;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : String(value);
}
