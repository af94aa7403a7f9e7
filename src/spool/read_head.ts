/**
 * Reading the 172-byte encrypted header at the start of a packet (or a
 * `hdr/` file) synchronously: a listing does it for every packet, and a
 * thread-pool round trip each would cost more than the read.
 * @module
 */

import { encHeaderBytes } from "./header.ts";

/** The first bytes of a file (up to a header), or null when it cannot be read. */
export function readHeadSync(path: string): Uint8Array | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return null;
  }
  try {
    const buf = new Uint8Array(encHeaderBytes);
    let off = 0;
    while (off < buf.length) {
      const n = file.readSync(buf.subarray(off));
      if (n === null) break;
      off += n;
    }
    return buf.subarray(0, off);
  } catch {
    return null;
  } finally {
    file.close();
  }
}
