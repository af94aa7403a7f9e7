/**
 * Random-access reading of an outgoing packet file, shared by the link
 * stores.
 * @module
 */

import type { PacketReader } from "./contract.ts";

/** Opens `path` for reads of exact byte ranges. */
export async function openPacketReader(path: string): Promise<PacketReader> {
  const file = await Deno.open(path, { read: true });
  /** Where the file's position is (a sequential read needs no seek). */
  let position = -1;
  const readInto = async (offset: number, out: Uint8Array): Promise<void> => {
    const at = position;
    position = -1; // unknown until this read is through
    if (at !== offset) await file.seek(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < out.length) {
      const n = await file.read(out.subarray(got));
      if (n === null) {
        throw new RangeError(
          `Packet ${path} ended at ${offset + got}, wanted ${offset + out.length}`,
        );
      }
      got += n;
    }
    position = offset + got;
  };
  return {
    async read(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    readInto,
    close(): Promise<void> {
      file.close();
      return Promise.resolve();
    },
  };
}
