/**
 * A plain-directory {@linkcode LinkStore}:
 *
 * ```
 * ROOT/outgoing/NODE/ID        packets waiting for NODE (ID.nice: optional niceness, text)
 * ROOT/inbound/NODE/ID         packets received from NODE, verified
 * ROOT/state/NODE/ID.part      partial packet being received
 * ROOT/state/NODE/ID.state     its resume state (JSON), replaced atomically
 * ```
 * Names that are not a 52-character base32 id are ignored (temp files).
 * Every file that must survive a power cut is written to a temp name,
 * fsynced, renamed, and its folder fsynced.
 *
 * @example
 * ```ts
 * import { DirStore } from "./dir_store.ts";
 * const root = await Deno.makeTempDir();
 * const store = new DirStore({ root, verifyId: () => Promise.resolve(true) });
 * console.assert((await store.listOutgoing("BOB")).length === 0);
 * await Deno.remove(root, { recursive: true });
 * ```
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { openPacketReader } from "../store/packet_reader.ts";
import type {
  LinkStore,
  OutgoingPacket,
  PacketReader,
  PartialPacket,
  VerifyId,
} from "../store/contract.ts";
import { openPartial } from "../store/partial.ts";
import { fsyncDir, writeFileAtomic } from "../fsutil/mod.ts";

/** Niceness of an outgoing packet without an `ID.nice` file (NNCP's least urgent). */
export const niceDefault = 255;
/** Outgoing packets listed per node at most (the rest wait for a later scan). */
export const outgoingListedMax = 100_000;

const ID_RE = /^[A-Z2-7]{52}$/;
const NODE_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** Settings of a {@linkcode DirStore}. */
export interface DirStoreOptions {
  /** Folder holding `outgoing/`, `inbound/` and `state/`. */
  root: string;
  /** Checks a received packet against its id before it is committed. */
  verifyId: VerifyId;
  log?: Logger;
}

/** The plain-directory packet store. */
export class DirStore implements LinkStore {
  readonly root: string;
  readonly #verifyId: VerifyId;
  readonly #log: Logger;

  /** Creates the store; folders are made when first needed. */
  constructor(options: DirStoreOptions) {
    this.root = options.root.replace(/\/+$/, "");
    this.#verifyId = options.verifyId;
    this.#log = options.log ?? silentLogger;
  }

  /** Path of an area folder for a node. */
  dir(area: "outgoing" | "inbound" | "state", node: string): string {
    if (!NODE_RE.test(node)) {
      throw new TypeError(`Node name ${JSON.stringify(node)} is not usable as a folder name`);
    }
    return `${this.root}/${area}/${node}`;
  }

  /** Puts a packet into the outgoing area (atomically), with an optional niceness. */
  async putOutgoing(node: string, id: string, bytes: Uint8Array, nice?: number): Promise<void> {
    checkId(id);
    const dir = this.dir("outgoing", node);
    await Deno.mkdir(dir, { recursive: true });
    if (nice !== undefined) {
      if (!Number.isInteger(nice) || nice < 1 || nice > 255) {
        throw new RangeError(`Niceness must be 1..255, got ${nice}`);
      }
      await writeFileAtomic(`${dir}/${id}.nice`, new TextEncoder().encode(`${nice}\n`));
    }
    await writeFileAtomic(`${dir}/${id}`, bytes);
  }

  async listOutgoing(node: string): Promise<OutgoingPacket[]> {
    const dir = this.dir("outgoing", node);
    const out: OutgoingPacket[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !ID_RE.test(entry.name)) continue;
        if (out.length >= outgoingListedMax) break;
        try {
          const info = await Deno.stat(`${dir}/${entry.name}`);
          const nice = await this.#readNice(`${dir}/${entry.name}.nice`);
          out.push({ id: entry.name, size: info.size, nice, mtimeMs: info.mtime?.getTime() ?? 0 });
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    return out;
  }

  async openOutgoing(node: string, id: string): Promise<PacketReader> {
    checkId(id);
    const path = `${this.dir("outgoing", node)}/${id}`;
    return await openPacketReader(path);
  }

  async markSent(node: string, id: string): Promise<void> {
    checkId(id);
    const dir = this.dir("outgoing", node);
    for (const path of [`${dir}/${id}`, `${dir}/${id}.nice`]) {
      await Deno.remove(path).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
    }
    await fsyncDir(dir);
  }

  async hasIncoming(node: string, id: string): Promise<boolean> {
    checkId(id);
    try {
      return (await Deno.stat(`${this.dir("inbound", node)}/${id}`)).isFile;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  openIncoming(node: string, id: string, size: number): Promise<PartialPacket> {
    checkId(id);
    return openPartial({
      stateDir: this.dir("state", node),
      inboundDir: this.dir("inbound", node),
      id,
      size,
      verifyId: this.#verifyId,
      log: this.#log,
    });
  }

  async #readNice(path: string): Promise<number> {
    try {
      const text = (await Deno.readTextFile(path)).trim();
      const n = Number(text);
      if (Number.isInteger(n) && n >= 1 && n <= 255) return n;
      this.#log.warn("link-store-bad-nice", { path, text: text.slice(0, 20) });
      return niceDefault;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return niceDefault;
      throw err;
    }
  }
}

function checkId(id: string): void {
  if (!ID_RE.test(id)) {
    throw new TypeError(`Packet id ${JSON.stringify(id)} is not 52 characters of base32`);
  }
}
