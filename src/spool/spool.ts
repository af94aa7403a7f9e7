/**
 * NNCP's spool layout, shared with the real NNCP tools:
 *
 * ```
 * SPOOL/tmp/                      temporary files (same filesystem)
 * SPOOL/<node id>/{rx,tx}/<id>    packets, named by their MTH id
 * SPOOL/<node id>/{rx,tx}/hdr/<id>   their 172-byte headers
 * SPOOL/<node id>/rx/seen/<id>    markers of tossed packets
 * SPOOL/<node id>/rx/<id>.part    partly received (online or radio)
 * SPOOL/<node id>/rx/<id>.nock    received, not yet checked
 * SPOOL/<node id>/{rx,tx,toss}.lock   flock targets
 * SPOOL/<node name> -> <node id>  convenience symlinks
 * ```
 *
 * A packet under its final name is complete and verified; every change is
 * temp file, fsync, rename, fsync folder.
 * @module
 */

import {
  commitRename,
  fsyncDir,
  type HeldLock,
  isNotFound,
  tempName,
  tryLockFile,
} from "../fsutil/mod.ts";
import { encHeaderBytes, NotAPacketError, parseSpoolHeader, type SpoolHeader } from "./header.ts";
import { readHeadSync } from "./read_head.ts";
import { writeSeenMarker } from "./seen_marker.ts";
import {
  isId,
  type LockKind,
  type SpoolEntry,
  type SpoolOptions,
  type SpoolProblem,
  type Xx,
} from "./spool_types.ts";

export * from "./spool_types.ts";

/** The spool of one node. */
export class Spool {
  readonly root: string;
  readonly selfId: string;
  readonly noHdr: boolean;

  constructor(root: string, selfId: string, options: SpoolOptions = {}) {
    this.root = root.replace(/\/+$/, "");
    this.selfId = selfId;
    this.noHdr = options.noHdr ?? false;
  }

  /** `SPOOL/<node>`. */
  nodeDir(node: string): string {
    return `${this.root}/${node}`;
  }

  /** `SPOOL/<node>/<rx|tx>`. */
  dir(node: string, xx: Xx): string {
    return `${this.root}/${node}/${xx}`;
  }

  /** `SPOOL/tmp`. */
  get tmpDir(): string {
    return `${this.root}/tmp`;
  }

  /** Path of a packet. */
  packetPath(node: string, xx: Xx, id: string): string {
    return `${this.dir(node, xx)}/${id}`;
  }

  /** Path of a packet's `hdr/` file. */
  hdrPath(node: string, xx: Xx, id: string): string {
    return `${this.dir(node, xx)}/hdr/${id}`;
  }

  /** Path of a packet's `seen/` marker. */
  seenPath(node: string, id: string): string {
    return `${this.dir(node, "rx")}/seen/${id}`;
  }

  /** Creates the folders a queue needs. */
  async ensure(node: string, xx: Xx): Promise<void> {
    await Deno.mkdir(this.dir(node, xx), { recursive: true });
    await Deno.mkdir(this.tmpDir, { recursive: true });
  }

  /** Makes `SPOOL/<name>` point at the node's folder, as NNCP does (best effort). */
  async linkName(node: string, name: string): Promise<void> {
    if (!/^[\w.-]+$/.test(name) || name === node || name === "tmp") return;
    await Deno.symlink(this.nodeDir(node), `${this.root}/${name}`).catch(() => {});
  }

  /** Takes NNCP's lock for `kind` on `node` without waiting; null when another process holds it. */
  async lock(node: string, kind: LockKind): Promise<HeldLock | null> {
    await Deno.mkdir(this.nodeDir(node), { recursive: true });
    return await tryLockFile(`${this.nodeDir(node)}/${kind}.lock`);
  }

  /** Node ids that have a folder in the spool. */
  async nodes(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) {
        if (e.isDirectory && isId(e.name)) out.push(e.name);
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return out.sort();
  }

  /**
   * Lists the packets of a queue in directory order, reading headers from
   * `hdr/` when present (and writing missing ones, unless `nohdr` or
   * `writeMissingHdr` is false: toss, which removes each packet it lists,
   * saves the writes). Files that are not packets are reported to
   * `onProblem` and left alone.
   */
  async *list(
    node: string,
    xx: Xx,
    onProblem?: (p: SpoolProblem) => void,
    options: { writeMissingHdr?: boolean } = {},
  ): AsyncGenerator<SpoolEntry> {
    const dir = this.dir(node, xx);
    let iter: AsyncIterable<Deno.DirEntry>;
    try {
      iter = Deno.readDir(dir);
      for await (const e of iter) {
        if (!e.isFile || !isId(e.name)) continue;
        const path = `${dir}/${e.name}`;
        const entry = await this.#entry(node, xx, e.name, path, onProblem, options);
        if (entry) yield entry;
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** One packet's entry, or null when it is gone or not a packet. */
  async get(
    node: string,
    xx: Xx,
    id: string,
    onProblem?: (p: SpoolProblem) => void,
  ): Promise<SpoolEntry | null> {
    return await this.#entry(node, xx, id, this.packetPath(node, xx, id), onProblem);
  }

  async #entry(
    node: string,
    xx: Xx,
    id: string,
    path: string,
    onProblem?: (p: SpoolProblem) => void,
    options: { writeMissingHdr?: boolean } = {},
  ): Promise<SpoolEntry | null> {
    // Small reads and lookups, synchronous: a listing does them for every
    // packet, and a thread-pool round trip each would cost more than they do.
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      onProblem?.({ path, reason: (err as Error).message });
      return null;
    }
    let raw: Uint8Array | null = null;
    let fromHdr = false;
    if (!this.noHdr) {
      raw = readHeadSync(this.hdrPath(node, xx, id));
      fromHdr = raw !== null && raw.length === encHeaderBytes;
    }
    if (!fromHdr) raw = readHeadSync(path);
    let header: SpoolHeader;
    try {
      header = parseSpoolHeader(raw ?? new Uint8Array(0));
    } catch (err) {
      if (!fromHdr) {
        onProblem?.({ path, reason: (err as NotAPacketError).message });
        return null;
      }
      // A hdr/ file torn by a power cut (its content is not fsynced): the
      // packet's own head is the truth, and the listing writes hdr/ again.
      return await this.#entryFromPacket(node, xx, id, path, info, onProblem, options);
    }
    if (!fromHdr && !this.noHdr && options.writeMissingHdr !== false) {
      await this.writeHdr(node, xx, id, header.raw).catch(() => {});
    }
    return { ...header, id, path, size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
  }

  async #entryFromPacket(
    node: string,
    xx: Xx,
    id: string,
    path: string,
    info: Deno.FileInfo,
    onProblem: ((p: SpoolProblem) => void) | undefined,
    options: { writeMissingHdr?: boolean },
  ): Promise<SpoolEntry | null> {
    let header: SpoolHeader;
    try {
      header = parseSpoolHeader(readHeadSync(path) ?? new Uint8Array(0));
    } catch (err) {
      onProblem?.({ path, reason: (err as NotAPacketError).message });
      return null;
    }
    if (options.writeMissingHdr !== false) {
      await this.writeHdr(node, xx, id, header.raw).catch(() => {});
    }
    return { ...header, id, path, size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
  }

  /** Writes a packet's `hdr/` file (temp in `SPOOL/tmp`, then rename). */
  async writeHdr(node: string, xx: Xx, id: string, raw: Uint8Array): Promise<void> {
    if (this.noHdr) return;
    const hdrDir = `${this.dir(node, xx)}/hdr`;
    await Deno.mkdir(hdrDir, { recursive: true });
    const tmp = await this.tempPath(`hdr-${id}`);
    try {
      await Deno.writeFile(tmp, raw, { createNew: true });
      await Deno.rename(tmp, `${hdrDir}/${id}`);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
  }

  /** A new temporary file path in `SPOOL/tmp`. */
  async tempPath(prefix: string): Promise<string> {
    await Deno.mkdir(this.tmpDir, { recursive: true });
    return tempName(this.tmpDir, prefix);
  }

  /**
   * Moves a complete, fsynced and verified temporary file into a queue under
   * its id, then writes its `hdr/` file.
   */
  async commit(
    tmpPath: string,
    node: string,
    xx: Xx,
    id: string,
    headerRaw?: Uint8Array,
  ): Promise<string> {
    await this.ensure(node, xx);
    const final = this.packetPath(node, xx, id);
    await commitRename(tmpPath, final);
    if (headerRaw) await this.writeHdr(node, xx, id, headerRaw).catch(() => {});
    return final;
  }

  /**
   * Removes a packet and its `hdr/` file; true when it was there. The `hdr/`
   * file goes first: an interruption leaves at worst a packet without one
   * (listing writes it again), never a `hdr/` file without its packet. With
   * `durable: false` the folder is not fsynced (the caller syncs it once
   * after a batch, with {@linkcode Spool.syncDir}).
   */
  async remove(
    node: string,
    xx: Xx,
    id: string,
    options: { durable?: boolean } = {},
  ): Promise<boolean> {
    try {
      Deno.removeSync(this.hdrPath(node, xx, id));
    } catch { /* none, or not ours to worry about */ }
    let removed = true;
    try {
      Deno.removeSync(this.packetPath(node, xx, id));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      removed = false;
    }
    if (removed && options.durable !== false) await this.syncDir(node, xx);
    return removed;
  }

  /** Flushes a queue folder's entries to disk (best effort). */
  async syncDir(node: string, xx: Xx): Promise<void> {
    await fsyncDir(this.dir(node, xx)).catch(() => {});
  }

  /** True when a packet from `node` with `id` was tossed before. */
  isSeen(node: string, id: string): Promise<boolean> {
    try {
      // A lookup the dentry cache answers: synchronous, it saves a thread-pool
      // round trip per packet (toss and xfer ask for every one).
      Deno.lstatSync(this.seenPath(node, id));
      return Promise.resolve(true);
    } catch (err) {
      if (isNotFound(err)) return Promise.resolve(false);
      return Promise.reject(err);
    }
  }

  /**
   * Records durably that the packet was tossed: a `seen/` marker holding
   * `note` (NNCP only looks at its name), written in `SPOOL/tmp` and renamed
   * into place, so an interruption never leaves a half-written marker; the
   * `seen/` folder is fsynced. The note itself is not fsynced: after a power
   * cut it may be empty, which costs at most a leftover temporary link.
   */
  async markSeen(node: string, id: string, note = ""): Promise<void> {
    await writeSeenMarker(this.tmpDir, `${this.dir(node, "rx")}/seen`, id, note);
  }

  /** True when the queue already holds `id` (complete). */
  async has(node: string, xx: Xx, id: string): Promise<boolean> {
    try {
      await Deno.lstat(this.packetPath(node, xx, id));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
