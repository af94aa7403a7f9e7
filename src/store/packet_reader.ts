/**
 * Random-access reading of an outgoing packet file, shared by the link
 * stores.
 * @module
 */

import type { PacketReader } from "./contract.ts";

/** Opens `path` for reads of exact byte ranges. */
export async function openPacketReader(path: string): Promise<PacketReader> {
  const file = await Deno.open(path, { read: true });
  return {
    async read(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(length);
      await file.seek(offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < length) {
        const n = await file.read(out.subarray(got));
        if (n === null) {
          throw new RangeError(
            `Packet ${path} ended at ${offset + got}, wanted ${offset + length}`,
          );
        }
        got += n;
      }
      return out;
    },
    close(): Promise<void> {
      file.close();
      return Promise.resolve();
    },
  };
}
