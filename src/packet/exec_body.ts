/**
 * The body of an `exec` packet is a Zstandard frame (an `exec-fat` body is
 * not compressed). NNCP 8.8.2 (klauspost/compress at "SpeedDefault")
 * streams one frame whose header descriptor is 0x04: content checksum, no
 * declared content size, not single-segment; its window follows the input
 * (1 KiB for the vectors' small body). ferry writes the same descriptor with
 * `node:zlib` at level 3 (zstd's default); its window is up to 2 MiB, which
 * NNCP's decoder accepts.
 *
 * @example
 * ```ts
 * import { zstdCompressSource } from "./exec_body.ts";
 * import { readFull } from "./io.ts";
 * import { zstdDecompressSync } from "node:zlib";
 * const src = zstdCompressSource(new TextEncoder().encode("hello"));
 * const buf = new Uint8Array(100);
 * const frame = buf.subarray(0, await readFull(src, buf));
 * console.assert(new TextDecoder().decode(zstdDecompressSync(frame)) === "hello");
 * ```
 * @module
 */

import { Duplex } from "node:stream";
import { constants, createZstdCompress } from "node:zlib";
import { type ByteInput, type ByteSource, streamSource, toByteSource } from "./io.ts";
import { READ_BATCH_BYTES } from "./limits.ts";

/** zstd compression level for exec bodies. */
export const EXEC_ZSTD_LEVEL = 3;

/** A source of the zstd-compressed form of `input` (one frame, with checksum). */
export function zstdCompressSource(input: ByteInput): ByteSource {
  const compressor = createZstdCompress({
    params: {
      [constants.ZSTD_c_compressionLevel]: EXEC_ZSTD_LEVEL,
      [constants.ZSTD_c_checksumFlag]: 1,
    },
  });
  const { readable, writable } = Duplex.toWeb(compressor) as {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
  };
  const source = toByteSource(input);
  (async () => {
    const writer = writable.getWriter();
    try {
      for (;;) {
        const buf = new Uint8Array(READ_BATCH_BYTES);
        const n = await source.read(buf);
        if (n === null) break;
        await writer.write(buf.subarray(0, n));
      }
      await writer.close();
    } catch (err) {
      await writer.abort(err).catch(() => {});
    }
  })();
  return streamSource(readable);
}
