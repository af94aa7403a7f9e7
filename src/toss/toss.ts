/**
 * `ferry toss`: decrypt and act on every packet waiting in `rx/`, like
 * `nncp-toss`. Each packet is verified end to end before anything it carries
 * becomes visible; a packet that fails or is refused stays in `rx/` with a
 * log line, and the rest goes on. With `seen` (ferry's default) every tossed
 * packet leaves a `seen/` marker, so the same packet arriving again by
 * another medium is never delivered twice.
 * @module
 */

import { describeOsError } from "../fsutil/os_errors.ts";
import { countedSource, createProgress } from "../progress/progress.ts";
import type { Neighbour } from "../config/mod.ts";
import { fileSource, freeBytes, fsyncDir, openFile } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import { decryptPacket, PacketError, PlainType } from "../packet/mod.ts";
import { type NodeContext } from "../node/context.ts";
import { sweepSpoolTemps } from "../node/sweep.ts";
import { metaPathFor, reassembleCandidates } from "../reass/mod.ts";
import type { SpoolEntry, Xx } from "../spool/mod.ts";
import {
  type Delivery,
  type DispatchOptions,
  KindDisabled,
  planDelivery,
  type Receiver,
} from "./dispatch.ts";
import { TossRefusal } from "./refusal.ts";
import { crashPoint } from "../fsutil/crash_point.ts";

/** Options of a toss run. */
export interface TossOptions extends DispatchOptions {
  /** Only packets from these neighbours (default: all, including self). */
  nodes?: Neighbour[];
  /** Leave `seen/` markers (ferry's default; NNCP's `-seen`). */
  seen: boolean;
  /** Stop between packets when aborted. */
  signal?: AbortSignal;
  /** Remembers failures between runs so a packet that keeps failing is retried less often. */
  retry?: RetryMemory;
  /** Reassemble chunked files once all their pieces are in (`ferry.toss.reass`). */
  reass?: boolean;
  /** Waits until this packet may act alone (set per packet by the toss loop; see TossLanes). */
  alone?: () => Promise<void>;
}

/** Longest stretch a toss run works without giving the event loop a turn. */
const yieldEveryMs = 50;

/** First wait before a failed packet is tried again (by a long-running toss loop). */
export const tossRetryMsMin = 60_000;
/** Longest wait between attempts at a failing packet. */
export const tossRetryMsMax = 3_600_000;
/** Failing packets remembered at most. */
export const tossRetryTrackedMax = 10_000;

/** When each failing packet may be tried again. */
export class RetryMemory {
  readonly #next = new Map<string, { atMs: number; waitMs: number }>();

  /** True when `id` may be tried at `nowMs`. */
  due(id: string, nowMs: number): boolean {
    const e = this.#next.get(id);
    return !e || e.atMs <= nowMs;
  }

  /** Records a failure of `id` at `nowMs`: the wait doubles each time. */
  failed(id: string, nowMs: number): void {
    const waitMs = Math.min((this.#next.get(id)?.waitMs ?? tossRetryMsMin / 2) * 2, tossRetryMsMax);
    if (!this.#next.has(id) && this.#next.size >= tossRetryTrackedMax) {
      this.#next.delete(this.#next.keys().next().value!);
    }
    this.#next.set(id, { atMs: nowMs + waitMs, waitMs });
  }

  /** Forgets `id` (it succeeded or is gone). */
  clear(id: string): void {
    this.#next.delete(id);
  }
}

/** What a toss run did. */
export interface TossSummary {
  tossed: number;
  failed: number;
  /** The first packets that failed (up to {@linkcode failedListedMax}): node name and id. */
  failedPackets: { node: string; id: string }[];
  duplicates: number;
  /** Neighbours skipped because another process was tossing them. */
  busy: string[];
  /** Chunked files put back together. */
  reassembled: number;
}

/** How many failed packets a summary names. */
export const failedListedMax = 10;

/** Result of one packet ("skipped": left where it is, not an error). */
export type PacketOutcome = "tossed" | "failed" | "duplicate" | "skipped";

/**
 * Thrown by a delivery plan to leave a packet alone: this node's own
 * outbound queue holds area messages to relay and, possibly, packets that
 * are not for toss at all.
 */
class LeaveAlone extends Error {}

function receiverOf(node: Neighbour): Receiver {
  return {
    name: node.name,
    senderId: node.idText,
    exec: node.exec,
    ...(node.incoming ? { incoming: node.incoming } : {}),
    ...(node.freq ? { freq: node.freq } : {}),
    replyTo: node.name,
  };
}

/**
 * What one toss run keeps between packets: folders whose changes need not
 * be durable at once (removals), fsynced after the batch, and the spool's
 * free space, read once and counted down instead of asked for per packet.
 */
export interface TossRun {
  dirty: Set<string>;
  space: { free: number; fits(bytes: number): Promise<boolean> };
}

/** A fresh {@linkcode TossRun} for `ctx`. */
export function newTossRun(ctx: NodeContext): TossRun {
  const space = {
    free: -1,
    async fits(bytes: number): Promise<boolean> {
      if (space.free < bytes) space.free = await freeBytes(ctx.spool.root);
      if (space.free < bytes) return false;
      space.free -= bytes;
      return true;
    },
  };
  return { dirty: new Set(), space };
}

/**
 * Tosses one packet from `entry`; never throws for a bad or refused packet.
 * The caller fsyncs `run.dirty` after its batch.
 */
export async function tossPacket(
  ctx: NodeContext,
  folder: string,
  entry: SpoolEntry,
  options: TossOptions,
  run: TossRun = newTossRun(ctx),
  xx: Xx = "rx",
): Promise<PacketOutcome> {
  const dirty = run.dirty;
  const fields: [string, string | number][] = [["Node", entry.sender], ["Pkt", entry.id], [
    "Nice",
    entry.nice,
  ], ["Size", entry.size]];
  const from = ctx.config.neighById.get(entry.sender);
  try {
    // A relayed packet sits in the relay's folder but was also tossed (and
    // remembered) under its originator when it came another way.
    const seenIn = await ctx.spool.isSeen(folder, entry.id)
      ? folder
      : entry.sender !== folder && await ctx.spool.isSeen(entry.sender, entry.id)
      ? entry.sender
      : null;
    if (seenIn !== null) {
      const note = (await Deno.readTextFile(ctx.spool.seenPath(seenIn, entry.id)).catch(() => ""))
        .trim();
      if (note.startsWith("/")) await Deno.remove(note).catch(() => {});
      await ctx.spool.remove(folder, xx, entry.id, { durable: false });
      dirty.add(ctx.spool.dir(folder, xx));
      ctx.log.info("rx-duplicate", { from: from?.name ?? entry.sender, pkt: entry.id });
      await ctx.record("rx-duplicate", [...fields, [
        "Msg",
        `Packet ${entry.id} was tossed before: removed the copy`,
      ]]);
      return "duplicate";
    }
    if (!from) {
      throw new TossRefusal(
        "rx-unknown-node",
        `packet ${entry.id} comes from unknown node ${entry.sender}`,
      );
    }
    if (!(await run.space.fits(entry.size))) {
      throw new TossRefusal(
        "rx-no-space",
        `not enough space to toss ${entry.id} (${humanBytes(entry.size)}; ${
          humanBytes(run.space.free)
        } free)`,
      );
    }
    let plan: Delivery | undefined;
    const file = await openFile(entry.path, { read: true });
    const progress = createProgress(`toss ${entry.id.slice(0, 16)}`, entry.size);
    try {
      await decryptPacket(countedSource(fileSource(file), progress), {
        inputBytes: entry.size,
        self: { id: ctx.self.id, exchPrv: ctx.self.exchPrv },
        senders: ctx.senders,
        open: async ({ header, plain }) => {
          // Our own queue: only area messages are tossed there (they fan out to the subscribers).
          if (xx === "tx" && plain.type !== PlainType.area) throw new LeaveAlone();
          if (plain.type !== PlainType.file) await options.alone?.();
          plan = await planDelivery(ctx, receiverOf(from), header, plain, entry.id, options);
          return plan.sink;
        },
      });
    } finally {
      progress.done();
      file.close();
    }
    const msg = await plan!.finish();
    crashPoint("toss.delivered");
    if (options.seen && xx === "rx") {
      await ctx.spool.markSeen(folder, entry.id, plan!.seenNote);
      if (entry.sender !== folder && ctx.config.neighById.has(entry.sender)) {
        await ctx.spool.markSeen(entry.sender, entry.id, plan!.seenNote);
      }
    }
    crashPoint("toss.seen-marked");
    await plan!.cleanup();
    if (plan!.dirtyDir) dirty.add(plan!.dirtyDir);
    await ctx.spool.remove(folder, xx, entry.id, { durable: false });
    dirty.add(ctx.spool.dir(folder, xx));
    crashPoint("toss.rx-removed");
    ctx.log.info("rx", { from: from.name, pkt: entry.id, msg });
    await ctx.record("rx", [...fields, ...plan!.fields, ["Msg", msg]]);
    return "tossed";
  } catch (err) {
    if (err instanceof LeaveAlone) {
      ctx.log.debug("toss-left", { node: folder, pkt: entry.id, reason: "not an area message" });
      return "skipped";
    }
    if (err instanceof KindDisabled) {
      ctx.log.info("toss-left", { node: folder, pkt: entry.id, reason: err.message });
      return "skipped";
    }
    const event = err instanceof TossRefusal
      ? err.event
      : err instanceof PacketError
      ? `rx-bad-packet`
      : "rx-failed";
    const reason = err instanceof PacketError
      ? `${err.code}: ${err.message}`
      : describeOsError(err) ?? (err as Error).message;
    ctx.log.error(event, {
      from: from?.name ?? entry.sender,
      pkt: entry.id,
      error: reason,
      kept: entry.path,
    });
    await ctx.record(event, [["Err", reason], ...fields, [
      "Msg",
      `Tossing ${from?.name ?? entry.sender}/${entry.id}: kept in rx`,
    ]]);
    return "failed";
  }
}

/** Tosses every waiting packet of the chosen neighbours. */
export async function toss(ctx: NodeContext, options: TossOptions): Promise<TossSummary> {
  const summary: TossSummary = {
    tossed: 0,
    failed: 0,
    failedPackets: [],
    duplicates: 0,
    busy: [],
    reassembled: 0,
  };
  const nodes = options.nodes ?? [...ctx.config.neigh.values()];
  const folders = [...new Set(nodes.map((n) => n.idText))];
  const metas = new Set<string>();
  const packetOptions: TossOptions = options.reass
    ? {
      ...options,
      onFileDelivered: (path) => {
        const meta = metaPathFor(path);
        if (meta !== null) metas.add(meta);
        options.onFileDelivered?.(path);
      },
    }
    : options;
  await sweepSpoolTemps(ctx);
  for (const folder of folders) {
    if (options.signal?.aborted) break;
    const lock = await ctx.spool.lock(folder, "toss");
    if (!lock) {
      summary.busy.push(folder);
      ctx.log.warn("toss-busy", { node: folder, reason: "another process is tossing this node" });
      continue;
    }
    try {
      await tossQueue(ctx, folder, "rx", packetOptions, summary);
      // Area messages this node sent wait in its own tx/ to be fanned out (as nncp-toss does).
      if (folder === ctx.self.idText && !options.noArea) {
        await tossQueue(ctx, folder, "tx", packetOptions, summary);
      }
    } finally {
      lock.unlock();
    }
  }
  if (metas.size > 0) {
    summary.reassembled = (await reassembleCandidates(ctx, metas)).reassembled.length;
  }
  return summary;
}

async function tossQueue(
  ctx: NodeContext,
  folder: string,
  xx: Xx,
  options: TossOptions,
  summary: TossSummary,
): Promise<void> {
  const entries: SpoolEntry[] = [];
  for await (
    const e of ctx.spool.list(
      folder,
      xx,
      (p) => ctx.log.warn(`${xx}-not-packet`, { file: p.path, reason: p.reason }),
      { writeMissingHdr: false },
    )
  ) {
    entries.push(e);
  }
  entries.sort((a, b) => a.nice - b.nice || a.mtimeMs - b.mtimeMs);
  const run = newTossRun(ctx);
  const lanes = new TossLanes();
  let next = 0;
  let yielded = performance.now();
  const lane = async () => {
    for (;;) {
      await lanes.mayStart();
      // With blocking I/O little here waits for the event loop: let signals
      // and timers in now and then.
      if (performance.now() - yielded > yieldEveryMs) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = performance.now();
        await lanes.mayStart();
      }
      if (next >= entries.length || options.signal?.aborted) return;
      const index = next++;
      const entry = entries[index]!;
      if (options.retry && !options.retry.due(entry.id, Date.now())) continue;
      const slot = lanes.start(index);
      let outcome: PacketOutcome;
      try {
        outcome = await tossPacket(ctx, folder, entry, { ...options, alone: slot.alone }, run, xx);
      } finally {
        slot.done();
      }
      if (outcome === "failed") options.retry?.failed(entry.id, Date.now());
      else options.retry?.clear(entry.id);
      if (outcome === "tossed") summary.tossed++;
      else if (outcome === "failed") {
        summary.failed++;
        if (summary.failedPackets.length < failedListedMax) {
          const name = ctx.config.neighById.get(folder)?.name ?? folder;
          summary.failedPackets.push({ node: name, id: entry.id });
        }
      } else if (outcome === "duplicate") summary.duplicates++;
    }
  };
  try {
    // A lane that fails lets the other finish its packet and start no more;
    // the first error is thrown.
    const settled = await Promise.allSettled(
      Array.from({ length: tossLanes }, () =>
        lane().catch((err) => {
          next = entries.length;
          throw err;
        })),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    for (const dir of run.dirty) await fsyncDir(dir).catch(() => {});
  }
}

/**
 * Packets tossed at a time. Two keep the disk busy: while one packet's
 * fsync waits for a journal commit, the other is decrypted and written,
 * and the two fsyncs share a commit. Packets other than files run alone,
 * in order (see {@linkcode TossLanes}).
 */
export const tossLanes = 2;

/**
 * Who may toss now. File packets run side by side; any other packet (exec,
 * freq, relay, area, ack) runs alone once its plain header says what it
 * is: it waits until nothing else is in flight (packets queued before it
 * go first) and no new packet starts until it is done. So handlers never
 * run at the same time, and run in queue order as before.
 */
export class TossLanes {
  #running = 0;
  #alone = false;
  /** Indexes of packets waiting to run alone, lowest first. */
  #parked: number[] = [];
  #waiters: (() => void)[] = [];

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #change(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves when a new packet may start. */
  async mayStart(): Promise<void> {
    while (this.#alone || this.#parked.length > 0) await this.#change();
  }

  /** Registers packet `index` as running; `alone` waits for solitude, `done` ends the packet. */
  start(index: number): { alone: () => Promise<void>; done: () => void } {
    this.#running++;
    let held = false;
    let ended = false;
    return {
      alone: async () => {
        if (held || ended) return;
        this.#running--;
        this.#parked.push(index);
        this.#parked.sort((a, b) => a - b);
        this.#wake();
        while (this.#alone || this.#running > 0 || this.#parked[0] !== index) {
          await this.#change();
        }
        this.#parked.shift();
        this.#alone = true;
        held = true;
        this.#running++;
      },
      done: () => {
        if (ended) return;
        ended = true;
        this.#running--;
        if (held) this.#alone = false;
        this.#wake();
      },
    };
  }
}
