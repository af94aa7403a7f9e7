/**
 * The assertions ferry's tests use. `@std/assert` lives on JSR, which is not
 * reachable here, so these are small equivalents built on `node:assert`.
 * @module
 */

import assert from "node:assert/strict";

/** Deep, strict equality (typed arrays compared byte by byte). */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  assert.deepStrictEqual(actual, expected, message);
}

/** Strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.notDeepStrictEqual(actual, expected, message);
}

/** A truthy value. */
export function assert_(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}
export { assert_ as assert };

/** `fn` throws an instance of `type` whose message contains `includes`. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type?: new (...args: never[]) => E,
  includes?: string,
): E {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  return checkError(caught, type, includes);
}

/** The promise from `fn` rejects with an instance of `type` whose message contains `includes`. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type?: new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  return checkError(caught, type, includes);
}

function checkError<E extends Error>(
  caught: unknown,
  type?: new (...args: never[]) => E,
  includes?: string,
): E {
  if (caught === undefined) {
    throw new assert.AssertionError({ message: "Expected an error, none was thrown" });
  }
  if (type && !(caught instanceof type)) {
    throw new assert.AssertionError({
      message: `Expected ${type.name}, got ${(caught as Error)?.constructor?.name}: ${
        String((caught as Error)?.message ?? caught)
      }`,
    });
  }
  const msg = caught instanceof Error ? caught.message : String(caught);
  if (includes !== undefined && !msg.includes(includes)) {
    throw new assert.AssertionError({
      message: `Expected error message to include ${JSON.stringify(includes)}, got ${
        JSON.stringify(msg)
      }`,
    });
  }
  return caught as E;
}

/** `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, message?: string): void {
  if (!text.includes(part)) {
    throw new assert.AssertionError({
      message: message ??
        `Expected ${JSON.stringify(text.slice(0, 2000))} to include ${JSON.stringify(part)}`,
    });
  }
}

/** `actual` matches `re`. */
export function assertMatch(actual: string, re: RegExp, message?: string): void {
  assert.match(actual, re, message);
}

/** Fails the test. */
export function fail(message: string): never {
  throw new assert.AssertionError({ message });
}
