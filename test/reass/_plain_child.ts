/**
 * Reassembles one meta and prints how many bytes went directly, for the
 * test that runs it without `--allow-ffi` (the plain path).
 *
 * Usage: deno run --allow-read --allow-write _plain_child.ts META
 * @module
 */

import { reassemble } from "../../src/reass/mod.ts";

const r = await reassemble(Deno.args[0]!);
console.log(JSON.stringify({ direct: r.directBytes }));
