/**
 * Chunked files made in a temporary folder for reassembly tests: the data,
 * its `NAME.nncp.chunkN` files and a `NAME.nncp.meta` (checksums computed
 * like NNCP's: the MTH of each chunk).
 * @module
 */

import { encodeChunkedMeta, Mth } from "../../src/packet/mod.ts";
import { patternBytes } from "../node/_world.ts";

/** A chunked file laid out in `dir`. */
export interface Chunked {
  dir: string;
  name: string;
  data: Uint8Array;
  meta: string;
  chunks: string[];
  chunkSize: number;
}

/** The MTH of `bytes`. */
export async function mthOf(bytes: Uint8Array): Promise<Uint8Array> {
  const mth = await Mth.create();
  mth.update(bytes);
  return mth.digest();
}

/** Writes `size` pattern bytes as `name` in chunks of `chunkSize` under `dir`. */
export async function makeChunked(
  dir: string,
  name: string,
  size: number,
  chunkSize: number,
  seed = 1,
): Promise<Chunked> {
  const data = patternBytes(size, seed);
  const chunks: string[] = [];
  const checksums: Uint8Array[] = [];
  const count = Math.max(1, Math.ceil(size / chunkSize));
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * chunkSize, Math.min(size, (i + 1) * chunkSize));
    const path = `${dir}/${name}.nncp.chunk${i}`;
    await Deno.writeFile(path, piece);
    chunks.push(path);
    checksums.push(await mthOf(piece));
  }
  const meta = `${dir}/${name}.nncp.meta`;
  await Deno.writeFile(meta, encodeChunkedMeta({ fileSize: size, chunkSize, checksums }));
  return { dir, name, data, meta, chunks, chunkSize };
}

/** Names in `dir` that start with a dot (temporary files). */
export async function hiddenIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith(".")) out.push(e.name);
  return out.sort();
}
