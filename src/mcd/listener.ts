/**
 * Listening for neighbours' LAN announcements on the interfaces `mcd-listen`
 * names. Each interface gets its own socket bound to the multicast group in
 * that interface's scope, so every datagram's interface is known and the
 * caller gets a complete address: `[fe80::…%eth0]:5400`.
 *
 * A datagram is accepted only when it is exactly an announcement and names a
 * configured neighbour that is not `mcd-ignore`d; anything else is dropped
 * and logged at debug level (a busy LAN must not flood the log). Interfaces
 * are looked up again every {@linkcode mcdRescanMs}, so a link that comes up
 * later (the phone joins the Wi-Fi) is listened on too.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { sleep } from "../agent/kick.ts";
import { McdAddressBook } from "./book.ts";
import { BadAnnouncementError, decodeAnnouncement, mcdGroup, mcdPort } from "./codec.ts";
import { linkLocalIfaces, type ListInterfaces } from "./ifaces.ts";
import { bindUdp6, closeUdp, type UdpFrom, type UdpSocket } from "./_udp.ts";

/** How often interfaces are listed again, in ms. */
export const mcdRescanMs = 5_000;

/** What the listener knows of a node id. */
export interface McdPeer {
  name: string;
  /** The neighbour asked for its announcements to be ignored (`mcd-ignore`). */
  ignored: boolean;
}

/** One accepted announcement. */
export interface Announcement {
  /** Node id in base32. */
  nodeId: string;
  name: string;
  /** The address to call: `[link-local%iface]:port`. */
  addr: string;
  iface: string;
  /** First time this address was heard (within its lifetime). */
  isNew: boolean;
}

/** Why a datagram was dropped, or the announcement it carried. */
export type Verdict =
  | { accepted: Announcement }
  | { dropped: "malformed" | "unknown-node" | "ignored-node" | "self"; detail: string };

/** Judges datagrams and records accepted ones in an address book (no sockets). */
export class McdReceiver {
  constructor(
    readonly book: McdAddressBook,
    readonly lookup: (nodeId: string) => McdPeer | undefined,
    readonly selfId: string,
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {}

  /** Handles one datagram that arrived on `iface` from `from`. */
  receive(datagram: Uint8Array, from: { address: string; port: number }, iface: string): Verdict {
    const where = { iface, from: `[${from.address}]:${from.port}` };
    let id: string;
    try {
      id = encodeBase32(decodeAnnouncement(datagram));
    } catch (err) {
      if (!(err instanceof BadAnnouncementError)) throw err;
      this.log.debug("mcd-malformed", { ...where, error: err.message });
      return { dropped: "malformed", detail: err.message };
    }
    if (id === this.selfId) return { dropped: "self", detail: "our own announcement" };
    const peer = this.lookup(id);
    if (!peer) {
      this.log.debug("mcd-unknown-node", { ...where, node: id });
      return { dropped: "unknown-node", detail: `node ${id} is not a neighbour` };
    }
    if (peer.ignored) {
      this.log.debug("mcd-ignored", { ...where, node: peer.name });
      return { dropped: "ignored-node", detail: `${peer.name} has mcd-ignore` };
    }
    const addr = `[${from.address.split("%")[0]}%${iface}]:${from.port}`;
    const isNew = this.book.heard(id, addr, this.now());
    if (isNew) this.log.info("mcd-add", { node: peer.name, addr, iface });
    return { accepted: { nodeId: id, name: peer.name, addr, iface, isNew } };
  }
}

/** Options of {@linkcode listenAnnouncements}. */
export interface McdListenOptions {
  ifaces: RegExp[];
  receiver: McdReceiver;
  signal: AbortSignal;
  onAnnounce?: (a: Announcement) => void;
  listInterfaces?: ListInterfaces;
  /** The group port (tests may move it). */
  port?: number;
}

/** Listens until `signal` aborts; sockets follow interfaces as they come and go. */
export async function listenAnnouncements(opts: McdListenOptions): Promise<void> {
  const { receiver, signal } = opts;
  const log = receiver.log;
  const port = opts.port ?? mcdPort;
  const socks = new Map<string, UdpSocket>();
  const failed = new Set<string>();
  try {
    while (!signal.aborted) {
      const now = linkLocalIfaces(opts.ifaces, opts.listInterfaces);
      const names = new Set(now.map((i) => i.name));
      for (const [name, sock] of socks) {
        if (!names.has(name)) {
          closeUdp(sock);
          socks.delete(name);
          log.info("mcd-listen-stop", { iface: name, reason: "interface gone" });
        }
      }
      for (const iface of now) {
        if (socks.has(iface.name)) continue;
        try {
          const sock = await bindUdp6(`${mcdGroup}%${iface.name}`, port);
          sock.addMembership(mcdGroup, `::%${iface.name}`);
          sock.on("message", (msg: Uint8Array, from: UdpFrom) => {
            const verdict = receiver.receive(new Uint8Array(msg), from, iface.name);
            if ("accepted" in verdict) opts.onAnnounce?.(verdict.accepted);
          });
          sock.on(
            "error",
            (err: Error) => log.warn("mcd-listen-error", { iface: iface.name, error: err.message }),
          );
          socks.set(iface.name, sock);
          failed.delete(iface.name);
          log.info("mcd-listen", { iface: iface.name, group: `[${mcdGroup}]:${port}` });
        } catch (err) {
          // Logged once per interface until it works: a link-local address is
          // unusable for a second or two after the link comes up.
          if (!failed.has(iface.name)) {
            log.warn("mcd-listen-failed", {
              iface: iface.name,
              error: (err as Error).message,
              retryMs: mcdRescanMs,
            });
            failed.add(iface.name);
          }
        }
      }
      await sleep(mcdRescanMs, signal);
    }
  } finally {
    for (const sock of socks.values()) closeUdp(sock);
  }
}
