/**
 * Shared set-up for link protocol tests and the link benchmark: two nodes
 * (station a and station b) on an emulated radio channel with a simulated
 * clock, each with a packet store in a temp folder. Two kinds of store:
 * - `"dir"` (the default): plain-directory stores, nodes "ALICE" and
 *   "BOB", BLAKE3-of-the-file as the packet id; quick, for protocol tests;
 * - `"spool"`: the real thing, ferry's NNCP spool store with real encrypted
 *   packets of the vector nodes alice and bob and their MTH ids.
 * @module
 */

import { createBLAKE3 } from "hash-wasm";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { createLogger, type Logger } from "../../src/log/logger.ts";
import { bitrateAirtime } from "../../src/link/airtime.ts";
import { AirtimeBudget } from "../../src/link/budget.ts";
import { crcFrameLink } from "../../src/link/checked_link.ts";
import { DirStore } from "../../src/link/dir_store.ts";
import type { LinkLimits } from "../../src/link/limits.ts";
import { LinkSession } from "../../src/link/session.ts";
import type { LinkSessionOptions } from "../../src/link/session_types.ts";
import type { LinkStore } from "../../src/store/contract.ts";
import type { LossSpec } from "../../hw/emulator/loss.ts";
import { Prng } from "../../hw/emulator/prng.ts";
import { loadConfig } from "../../src/config/mod.ts";
import {
  type ConfigWithSelf,
  createNodeContext,
  type NodeContext,
} from "../../src/node/context.ts";
import { sendFile } from "../../src/send/file.ts";
import { SpoolStore } from "../../src/store/mod.ts";
import { IDS, setupNodes } from "../nodes.ts";
import { RadioChannel, type Side } from "../../hw/emulator/radio_channel.ts";
import { SimClock } from "../../hw/emulator/sim_clock.ts";
import { type TncLatency, TncStation } from "../../hw/emulator/tnc_station.ts";
import type { FrameLink } from "../../hw/link/link.ts";

/** BLAKE3-256 of `bytes` as a base32 packet id. */
export async function blake3Id(bytes: Uint8Array): Promise<string> {
  const h = await createBLAKE3(256);
  h.init();
  h.update(bytes);
  return encodeBase32(h.digest("binary"));
}

/** Test double of the packet core's id check: BLAKE3 over the whole file, streamed. */
export async function verifyBlake3(path: string, id: string): Promise<boolean> {
  const h = await createBLAKE3(256);
  h.init();
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 16);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    file.close();
  }
  return encodeBase32(h.digest("binary")) === id;
}

/** Wraps a store so that the simulated clock waits for its real file I/O. */
export function trackedStore(store: LinkStore, clock: SimClock): LinkStore {
  const t = <T>(p: Promise<T>) => clock.track(p);
  return {
    listOutgoing: (node) => t(store.listOutgoing(node)),
    openOutgoing: async (node, id) => {
      const r = await t(store.openOutgoing(node, id));
      return { read: (o, l) => t(r.read(o, l)), close: () => t(r.close()) };
    },
    markSent: (node, id) => t(store.markSent(node, id)),
    hasIncoming: (node, id) => t(store.hasIncoming(node, id)),
    openIncoming: async (node, id, size) => {
      const p = await t(store.openIncoming(node, id, size));
      return {
        resume: p.resume,
        write: (o, b) => t(p.write(o, b)),
        persist: (s) => t(p.persist(s)),
        commit: () => t(p.commit()),
        close: () => t(p.close()),
      };
    },
  };
}

/** One emulated node. */
export interface Peer {
  side: Side;
  name: string;
  peerName: string;
  root: string;
  /** The plain-directory store (dir pairs only). */
  dir: DirStore | null;
  /** The node's spool context (spool pairs only). */
  ctx: NodeContext | null;
  /** The store the sessions use (wrapped to keep the simulated clock honest). */
  store: LinkStore;
  /** The store underneath, unwrapped. */
  raw: LinkStore;
  lines: string[];
  log: Logger;
}

/** Settings of a {@linkcode Pair}. */
export interface PairOptions {
  seed?: number;
  bitsPerSecond?: number;
  mtu?: number;
  loss?: LossSpec;
  corruptP?: number;
  turnaroundMs?: number;
  latencyMs?: number;
  limits?: Partial<LinkLimits>;
  /** Duty cycle of both sides' budgets; none: no budget. */
  dutyCycle?: number;
  /** Airtime model of the emulated radio (default: bytes · 8 / bit rate). */
  airtimeMs?: (bytes: number) => number;
  /** The kind of packet store (default "dir"). */
  store?: "dir" | "spool";
  /** Put a KISS TNC (queue, CSMA, TXDELAY) in front of each station. */
  tnc?: TncLatency;
}

/** LoRa SF7 raw bit rate (125 kHz, CR 4/5), the default channel rate. */
export const sf7BitsPerSecond = 5469;

/** Simulated clock time at which a pair starts (log lines show seconds since then). */
export const simStartMs = 1_000_000;

/** Two nodes on one emulated channel. */
export class Pair {
  readonly radio: RadioChannel;
  readonly budgets: Record<Side, AirtimeBudget | null>;
  readonly bitsPerSecond: number;
  /** The TNCs in front of the stations (with `tnc`). */
  readonly tncs: Record<Side, TncStation> | null;

  private constructor(
    readonly clock: SimClock,
    readonly o: PairOptions,
    readonly a: Peer,
    readonly b: Peer,
  ) {
    this.bitsPerSecond = o.bitsPerSecond ?? sf7BitsPerSecond;
    this.radio = new RadioChannel({
      clock: this.clock,
      bitsPerSecond: this.bitsPerSecond,
      mtu: o.mtu ?? 255,
      loss: o.loss ?? { kind: "none" },
      corruptP: o.corruptP ?? 0,
      turnaroundMs: o.turnaroundMs ?? 60,
      latencyMs: o.latencyMs ?? 0,
      seed: o.seed ?? 1,
      ...(o.airtimeMs ? { airtimeMs: o.airtimeMs } : {}),
    });
    const budget = () =>
      o.dutyCycle === undefined ? null : new AirtimeBudget({ dutyCycle: o.dutyCycle });
    this.budgets = { a: budget(), b: budget() };
    this.tncs = o.tnc
      ? {
        a: new TncStation(this.radio, "a", { ...o.tnc, seed: (o.seed ?? 1) * 3 + 1 }),
        b: new TncStation(this.radio, "b", { ...o.tnc, seed: (o.seed ?? 1) * 3 + 2 }),
      }
      : null;
    a.store = trackedStore(a.raw, this.clock);
    b.store = trackedStore(b.raw, this.clock);
  }

  /** Creates both nodes in fresh temp folders. */
  static async create(o: PairOptions = {}): Promise<Pair> {
    const clock = new SimClock(simStartMs);
    const logFor = (lines: string[]) =>
      createLogger({
        sink: (line: string) => {
          lines.push(`${((clock.now() - simStartMs) / 1000).toFixed(3)} ${line}`);
        },
        level: "debug",
        journald: false,
      });
    if (o.store === "spool") {
      const root = await Deno.makeTempDir({ prefix: "ferry-link-spool-" });
      const nodes = await setupNodes(root, ["alice", "bob"]);
      const peer = async (side: Side, name: "alice" | "bob", other: "alice" | "bob") => {
        const lines: string[] = [];
        const log = logFor(lines);
        const { config } = await loadConfig(nodes[name]!.cfg);
        const ctx = createNodeContext(config as ConfigWithSelf, log);
        const raw = new SpoolStore(ctx.spool, log);
        return {
          side,
          name: IDS[name],
          peerName: IDS[other],
          root: nodes[name]!.dir,
          dir: null,
          ctx,
          store: raw,
          raw,
          lines,
          log,
        } satisfies Peer;
      };
      const pair = new Pair(
        clock,
        o,
        await peer("a", "alice", "bob"),
        await peer("b", "bob", "alice"),
      );
      pair.#spoolRoot = root;
      return pair;
    }
    const peer = async (side: Side, name: string, peerName: string): Promise<Peer> => {
      const root = await Deno.makeTempDir({ prefix: `ferry-link-${name.toLowerCase()}-` });
      const lines: string[] = [];
      const log = logFor(lines);
      const dir = new DirStore({ root, verifyId: verifyBlake3, log });
      return { side, name, peerName, root, dir, ctx: null, store: dir, raw: dir, lines, log };
    };
    return new Pair(clock, o, await peer("a", "ALICE", "BOB"), await peer("b", "BOB", "ALICE"));
  }

  #spoolRoot: string | null = null;
  #sessions = 0;

  /**
   * Queues a packet from `from` to the other node; returns its id and bytes.
   * In a dir pair the packet is `size` random bytes; in a spool pair it is a
   * real NNCP file packet carrying `size` random bytes.
   */
  async queue(from: Peer, size: number, seed: number, nice?: number) {
    const payload = new Prng(seed).fill(new Uint8Array(size));
    if (from.ctx) {
      const ctx = from.ctx;
      const src = `${from.root}/payload-${seed}`;
      await Deno.writeFile(src, payload);
      const to = [...ctx.config.neigh.values()].find((n) => n.idText === from.peerName)!;
      const tx = ctx.spool.dir(from.peerName, "tx");
      const before = new Set(await spoolPackets(tx));
      await this.clock.track(sendFile(ctx, { src, to, dst: `p-${seed}`, nice: nice ?? 96 }));
      const id = (await spoolPackets(tx)).find((x) => !before.has(x))!;
      return { id, bytes: await Deno.readFile(`${tx}/${id}`) };
    }
    const id = await blake3Id(payload);
    await this.clock.track(from.dir!.putOutgoing(from.peerName, id, payload, nice));
    return { id, bytes: payload };
  }

  /** A new session object for one side, on its current radio endpoint. */
  session(peer: Peer, extra: Partial<LinkSessionOptions> = {}): LinkSession {
    // Each session its own random stream (as crypto randomness gives in
    // production): a restarted session must not pick its predecessor's nonce.
    const n = ++this.#sessions;
    const random = new Prng(
      (this.o.seed ?? 1) * 7919 + (peer.side === "a" ? 1 : 2) +
        (n - 1) * 104_729,
    );
    return new LinkSession({
      link: crcFrameLink(this.link(peer.side), peer.log),
      clock: this.clock,
      store: peer.store,
      localNode: peer.name,
      peerNode: peer.peerName,
      airtime: bitrateAirtime({ bitsPerSecond: this.bitsPerSecond }),
      budget: this.budgets[peer.side],
      log: peer.log,
      random: () => random.next(),
      ...(this.o.limits ? { limits: this.o.limits } : {}),
      ...extra,
    });
  }

  /** A side's frame link: its TNC, or the station itself. */
  link(side: Side): FrameLink {
    return this.tncs?.[side] ?? (side === "a" ? this.radio.a : this.radio.b);
  }

  /** Bytes of a packet in `peer`'s inbound area from the other node, or null. */
  async inbound(peer: Peer, id: string): Promise<Uint8Array | null> {
    try {
      return await Deno.readFile(`${this.#area(peer, "inbound")}/${id}`);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
  }

  /** Names in a folder of `peer`'s store (empty when missing). */
  async list(peer: Peer, area: "outgoing" | "inbound" | "state"): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.#area(peer, area))) {
        if (!e.isFile) continue;
        if (peer.ctx) {
          // In a spool, rx/ holds both the packets and the partials' files.
          const partial = e.name.endsWith(".part") || e.name.endsWith(".state");
          if ((area === "state") !== partial) continue;
          if (area !== "state" && !SPOOL_ID.test(e.name)) continue;
        }
        names.push(e.name);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return names.sort();
  }

  #area(peer: Peer, area: "outgoing" | "inbound" | "state"): string {
    if (peer.ctx) return peer.ctx.spool.dir(peer.peerName, area === "outgoing" ? "tx" : "rx");
    return peer.dir!.dir(area, peer.peerName);
  }

  /** Removes the temp folders. */
  async cleanup(): Promise<void> {
    if (this.#spoolRoot !== null) {
      await Deno.remove(this.#spoolRoot, { recursive: true });
      return;
    }
    await Deno.remove(this.a.root, { recursive: true });
    await Deno.remove(this.b.root, { recursive: true });
  }
}

const SPOOL_ID = /^[A-Z2-7]{52}$/;

async function spoolPackets(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && SPOOL_ID.test(e.name)) out.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}
