/**
 * Announcing our daemon on the interfaces `mcd-send` names: every interval,
 * one announcement per interface, sent from the interface's link-local
 * address and the daemon's port (so the datagram's source is the address to
 * call back), to `[ff02::4e4e:4350%iface]:5400`. An interval of 0 announces
 * once per interface. Interfaces are looked up again every
 * {@linkcode mcdRescanMs}: an interface that comes up later is announced on
 * as soon as its address is usable.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import type { McdSend } from "../config/mcd.ts";
import { sleep } from "../agent/kick.ts";
import { encodeAnnouncement, mcdGroup, mcdPort } from "./codec.ts";
import { linkLocalIfaces, type ListInterfaces } from "./ifaces.ts";
import { mcdRescanMs } from "./listener.ts";
import { bindUdp6, closeUdp, sendUdp, type UdpSocket } from "./_udp.ts";

/** Options of {@linkcode sendAnnouncements}. */
export interface McdSendOptions {
  entries: McdSend[];
  /** Our node id (32 bytes). */
  selfId: Uint8Array;
  /** The daemon's TCP port: announcements come from this UDP port. */
  daemonPort: number;
  log: Logger;
  signal: AbortSignal;
  listInterfaces?: ListInterfaces;
  /** The group port (tests may move it). */
  port?: number;
}

interface IfaceState {
  sock: UdpSocket;
  /** When the next announcement is due (ms since epoch); Infinity after a one-shot. */
  dueMs: number;
  intervalMs: number;
}

/** Announces until `signal` aborts. */
export async function sendAnnouncements(opts: McdSendOptions): Promise<void> {
  const { log, signal } = opts;
  const packet = encodeAnnouncement(opts.selfId);
  const port = opts.port ?? mcdPort;
  const states = new Map<string, IfaceState>();
  const failed = new Set<string>();
  try {
    while (!signal.aborted) {
      // The shortest interval of the entries an interface matches wins.
      const wanted = new Map<string, { address: string; intervalMs: number }>();
      for (const entry of opts.entries) {
        for (const iface of linkLocalIfaces([entry.ifaces], opts.listInterfaces)) {
          const ms = entry.intervalSec * 1000;
          const prev = wanted.get(iface.name);
          if (!prev || (ms > 0 && (prev.intervalMs === 0 || ms < prev.intervalMs))) {
            wanted.set(iface.name, { address: iface.address, intervalMs: ms });
          }
        }
      }
      for (const [name, st] of states) {
        if (!wanted.has(name)) {
          closeUdp(st.sock);
          states.delete(name);
        }
      }
      for (const [name, w] of wanted) {
        let st = states.get(name);
        if (!st) {
          try {
            const sock = await bindUdp6(`${w.address}%${name}`, opts.daemonPort);
            sock.setMulticastLoopback(false);
            sock.on(
              "error",
              (err: Error) => log.warn("mcd-send-error", { iface: name, error: err.message }),
            );
            st = { sock, dueMs: 0, intervalMs: w.intervalMs };
            states.set(name, st);
            failed.delete(name);
          } catch (err) {
            if (!failed.has(name)) {
              log.warn("mcd-send-failed", {
                iface: name,
                error: (err as Error).message,
                retryMs: mcdRescanMs,
              });
              failed.add(name);
            }
            continue;
          }
        }
        st.intervalMs = w.intervalMs;
        if (Date.now() < st.dueMs) continue;
        try {
          await sendUdp(st.sock, packet, `${mcdGroup}%${name}`, port);
          log.debug("mcd-sent", { iface: name, from: `[${w.address}%${name}]:${opts.daemonPort}` });
        } catch (err) {
          log.warn("mcd-send-error", { iface: name, error: (err as Error).message });
        }
        st.dueMs = st.intervalMs > 0 ? Date.now() + st.intervalMs : Infinity;
      }
      let nextMs = Date.now() + mcdRescanMs;
      for (const st of states.values()) nextMs = Math.min(nextMs, st.dueMs);
      await sleep(Math.max(50, nextMs - Date.now()), signal);
    }
  } finally {
    for (const st of states.values()) closeUdp(st.sock);
  }
}
