/**
 * The NNCP spool as the transports' packet store: outgoing packets are `SPOOL/<peer>/tx/`,
 * received ones are assembled in `SPOOL/<peer>/rx/<id>.part` (NNCP's name
 * for partly received packets, with the resume state beside it in
 * `<id>.state`) and committed into `rx/` only once their bytes hash to their
 * id. A packet tossed before (`seen/`) or already in `rx/` is never taken
 * again.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import type { Spool } from "../spool/mod.ts";
import { idOfFile } from "../xfer/mod.ts";
import { discardPartial, openPartial } from "./partial.ts";
import { openPacketReader } from "./packet_reader.ts";
import type {
  IncomingOptions,
  OutgoingPacket,
  PacketReader,
  PacketStore,
  PartialPacket,
} from "./contract.ts";
import { fsyncDir } from "../fsutil/mod.ts";

/** Outgoing packets listed per session scan at most. */
export const spoolOutgoingListedMax = 100_000;

/** A {@linkcode PacketStore} over ferry's (and NNCP's) spool; nodes are base32 ids. */
export class SpoolStore implements PacketStore {
  readonly #spool: Spool;
  readonly #log: Logger;

  constructor(spool: Spool, log: Logger) {
    this.#spool = spool;
    this.#log = log;
  }

  async listOutgoing(node: string): Promise<OutgoingPacket[]> {
    const out: OutgoingPacket[] = [];
    for await (const e of this.#spool.list(node, "tx")) {
      out.push({ id: e.id, size: e.size, nice: e.nice, mtimeMs: e.mtimeMs });
      if (out.length >= spoolOutgoingListedMax) break;
    }
    return out;
  }

  async openOutgoing(node: string, id: string): Promise<PacketReader> {
    const path = this.#spool.packetPath(node, "tx", id);
    return await openPacketReader(path);
  }

  async markSent(node: string, id: string): Promise<void> {
    await this.#spool.remove(node, "tx", id);
  }

  async hasIncoming(node: string, id: string): Promise<boolean> {
    const has = await this.#spool.has(node, "rx", id) || await this.#spool.isSeen(node, id);
    // A commit cut short after its rename leaves the resume state behind.
    if (has) await discardPartial(this.#spool.dir(node, "rx"), id);
    return has;
  }

  async openIncoming(
    node: string,
    id: string,
    size: number,
    options: IncomingOptions = {},
  ): Promise<PartialPacket> {
    await this.#spool.ensure(node, "rx");
    const dir = this.#spool.dir(node, "rx");
    return await openPartial({
      stateDir: dir,
      inboundDir: dir,
      id,
      size,
      verifyId: async (path, want) => (await idOfFile(path)) === want,
      log: this.#log,
      partLengthIsDone: options.partLengthIsDone ?? false,
      writeInline: options.writeInline ?? false,
    });
  }

  /**
   * Settles `rx/<id>.nock`, a packet NNCP received completely but has not
   * checked yet: its bytes are checked against the id; a match moves it into
   * `rx/` (true), a mismatch removes it (false). Null when there is none.
   */
  async checkUnchecked(node: string, id: string): Promise<boolean | null> {
    const dir = this.#spool.dir(node, "rx");
    const path = `${dir}/${id}${nockSuffix}`;
    try {
      await Deno.stat(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
    if ((await idOfFile(path)) !== id) {
      this.#log.warn("store-nock-bad-id", { node, id, path });
      await Deno.remove(path).catch(() => {});
      await fsyncDir(dir);
      return false;
    }
    const final = `${dir}/${id}`;
    if (await Deno.stat(final).then(() => true, () => false)) await Deno.remove(path);
    else await Deno.rename(path, final);
    await fsyncDir(dir);
    return true;
  }
}

/** NNCP's suffix of a received packet not yet checked against its id. */
export const nockSuffix = ".nock";

/** The name the link protocol used for {@linkcode SpoolStore}. */
export const SpoolLinkStore = SpoolStore;
