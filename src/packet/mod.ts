/**
 * ferry's NNCP 8.8.2 packet core: plain packets of all seven types,
 * encrypted packets (streaming, padded, wrapped for relays and areas),
 * packet ids (MTH, resumable), a table of every NNCP magic number, and
 * typed errors. Byte-compatible with NNCP: its tools accept what ferry
 * writes, and ferry reads what they write.
 *
 * Writing: build a plain header (`filePlain`, `execPlain`, `freqPlain`,
 * `ackPlain`), then `encryptPacket(options, output)` → `{ id, size, header }`.
 * Reading: `decryptPacket(input, { self, senders, open })`, where `open`
 * returns a {@linkcode PayloadSink} (`fileSink`, `memorySink`,
 * `areaPayloadSink`, ...) committed only once the packet verified.
 * Checking: `readPacketHeader(input, options)` validates magic, recipient
 * and signature without decrypting.
 *
 * @example
 * ```ts
 * import { decryptPacket, encryptPacket, filePlain, memorySink, NICE } from "./mod.ts";
 * import { generateExchKeys, generateSignKeys } from "../crypto/keys.ts";
 * const sign = generateSignKeys(), exch = generateExchKeys();
 * const id = new Uint8Array(32);
 * const chunks: Uint8Array<ArrayBuffer>[] = [];
 * await encryptPacket({
 *   sender: { id, signPrv: sign.prv },
 *   recipient: { id, exchPub: exch.pub },
 *   nice: NICE.bulk,
 *   plain: filePlain("note.txt", NICE.bulk),
 *   payload: new TextEncoder().encode("hi"),
 * }, new WritableStream({ write: (c) => void chunks.push(c.slice()) }));
 * const sink = memorySink(100);
 * await decryptPacket(new Blob(chunks).stream(), {
 *   self: { id, exchPrv: exch.prv },
 *   senders: () => ({ signPub: sign.pub }),
 *   open: () => sink,
 * });
 * console.assert(new TextDecoder().decode(sink.bytes()) === "hi");
 * ```
 * @module
 */

export * from "./errors.ts";
export * from "./limits.ts";
export * from "./magic.ts";
export * from "./plain_header.ts";
export * from "./plain_builders.ts";
export * from "./enc_header.ts";
export * from "./header_check.ts";
export * from "./io.ts";
export * from "./mth.ts";
export * from "./mth_file.ts";
export * from "./hash_pipe.ts";
export * from "./sink.ts";
export * from "./encrypt.ts";
export * from "./decrypt.ts";
export * from "./area.ts";
export * from "./exec_body.ts";
export * from "./chunked_meta.ts";
export { padBytesFor } from "./padding.ts";
export { canCollectGarbage } from "./young_gc.ts";
