/**
 * Hard-linking a finished file under the first free name: `NAME`, then
 * `NAME.0`, `NAME.1`, ... as NNCP names collisions. A hard link never
 * replaces an existing file and appears atomically, complete.
 *
 * ```ts
 * import { linkFreeName } from "./free_name.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/t`, "x");
 * Deno.writeTextFileSync(`${dir}/a`, "taken");
 * console.assert(linkFreeName(`${dir}/t`, `${dir}/a`, 10) === `${dir}/a.0`);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 * @module
 */

/**
 * Hard-links `from` to `to`, or `to.0`, `to.1`, ... up to `to.<collisionsMax - 1>`,
 * whichever is free first; null when all of them are taken.
 */
export function linkFreeName(from: string, to: string, collisionsMax: number): string | null {
  let candidate = to;
  for (let i = 0; i <= collisionsMax; i++) {
    try {
      Deno.linkSync(from, candidate);
      return candidate;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    candidate = `${to}.${i}`;
  }
  return null;
}
