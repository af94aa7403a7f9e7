/**
 * What each kind of plain packet does when tossed. `planDelivery` runs once
 * the plain header is authenticated and picks the payload sink; the returned
 * `finish` runs after the whole packet verified and has the side effects
 * (rename into incoming, run a handler, queue a reply, relay).
 * @module
 */

import type { FreqSettings } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { dirname } from "../fsutil/mod.ts";
import { humanBytes } from "../log/humanize.ts";
import {
  type EncryptedHeader,
  memorySink,
  type PayloadSink,
  type PlainHeader,
  plainPathId,
  plainPathText,
  PlainType,
  splitExecPath,
} from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { sendFile } from "../send/file.ts";
import { finishFileDelivery, prepareFileDelivery } from "./deliver_file.ts";
import { runHandler } from "./exec_handler.ts";
import { resolveInside, UnsafePathError } from "./paths.ts";
import { TossRefusal } from "./refusal.ts";
import { tempFileSink } from "./sinks.ts";
import { relayArea, relayTrns } from "./relay.ts";

/** Who the packet is from and what it may do here: a neighbour's or an area's settings. */
export interface Receiver {
  /** Name for messages (`neigh` or area name). */
  name: string;
  /** Base32 id put in NNCP_SENDER. */
  senderId: string;
  incoming?: string;
  exec: Map<string, string[]>;
  freq?: FreqSettings;
  /** The neighbour to reply to (freq), when there is one. */
  replyTo?: string;
}

/**
 * Thrown before a byte of the payload is read when the packet's kind is
 * disabled for this toss (`--nofile`, `autotoss-noexec`, ...): the packet
 * stays in its queue, with no `seen/` marker, for a later toss.
 */
export class KindDisabled extends Error {
  override name = "KindDisabled";
  constructor(readonly kind: string) {
    super(`${kind} packets are disabled for this toss`);
  }
}

/** Toss settings that reach the handlers. */
export interface DispatchOptions {
  execTimeoutMs: number;
  noFile?: boolean;
  noFreq?: boolean;
  noExec?: boolean;
  noTrns?: boolean;
  noArea?: boolean;
  noAck?: boolean;
  /** Told the path of every file delivered (toss collects chunked files here). */
  onFileDelivered?: (path: string) => void;
}

/** The plan for one packet: where its payload goes, and what happens once it verified. */
export interface Delivery {
  sink: PayloadSink;
  /** Runs after the packet verified; returns a one-line description for the log. */
  finish(): Promise<string>;
  /** Runs after the `seen/` marker is written (removes temporary links). */
  cleanup(): Promise<void>;
  /** What the `seen/` marker records (a temporary path to clean up after a crash). */
  seenNote: string;
  /** A folder `cleanup` changed, to fsync once at the end of the run. */
  dirtyDir?: string;
  /** Log fields: type and destination. */
  fields: [string, string][];
}

/** Bytes a freq request name may have. */
export const freqNameBytesMax = 4096;

const nothing = async () => {};

/** Plans the delivery of a packet whose plain header is `plain`. */
export async function planDelivery(
  ctx: NodeContext,
  from: Receiver,
  header: EncryptedHeader,
  plain: PlainHeader,
  packetKey: string,
  options: DispatchOptions,
): Promise<Delivery> {
  const skip = (kind: string): never => {
    throw new KindDisabled(kind);
  };
  switch (plain.type) {
    case PlainType.file: {
      if (options.noFile) return skip("file");
      const dst = plainPathText(plain);
      if (!from.incoming) {
        throw new TossRefusal(
          "rx-no-incoming",
          `files from ${from.name} are not accepted: set an incoming folder for it`,
        );
      }
      const incoming = from.incoming;
      const d = await prepareFileDelivery(incoming, dst, packetKey);
      return {
        sink: d.sink,
        fields: [["Type", "file"], ["Dst", dst]],
        seenNote: d.tempPath,
        dirtyDir: dirname(d.tempPath),
        finish: () => {
          options.onFileDelivered?.(d.finalPath() ?? `${incoming}/${dst}`);
          return Promise.resolve(
            d.alreadyDelivered
              ? `File ${dst} from ${from.name} was delivered before the last interruption`
              : `Got file ${dst} from ${from.name} as ${d.finalPath()}`,
          );
        },
        cleanup: () => finishFileDelivery(d.tempPath),
      };
    }
    case PlainType.exec:
    case PlainType.execFat: {
      if (options.noExec) return skip("exec");
      const { handle, args } = splitExecPath(plain);
      const argv = from.exec.get(handle);
      const what = [handle, ...args].join(" ");
      if (!argv) {
        throw new TossRefusal(
          "rx-no-handle",
          `${from.name} may not run exec handle ${
            JSON.stringify(handle)
          }: it is not configured in its exec section`,
        );
      }
      const body = await tempFileSink(await ctx.spool.tempPath(`exec-${packetKey}`), false);
      return {
        sink: body,
        fields: [["Type", "exec"], ["Dst", what]],
        seenNote: "",
        finish: async () => {
          try {
            const result = await runHandler({
              argv: [...argv, ...args],
              bodyPath: body.path,
              compressed: plain.type === PlainType.exec,
              env: {
                NNCP_SELF: ctx.self.idText,
                NNCP_SENDER: from.senderId,
                NNCP_NICE: String(plain.nice),
              },
              timeoutMs: options.execTimeoutMs,
            });
            if (result.code !== 0 || result.timedOut) {
              const how = result.timedOut
                ? `was stopped after ${options.execTimeoutMs} ms`
                : `exited ${result.code}${result.signal ? ` (${result.signal})` : ""}`;
              throw new TossRefusal(
                "rx-handle",
                `exec handler ${JSON.stringify(handle)} ${how}: ${
                  result.output.trim().slice(-500)
                }`,
              );
            }
          } finally {
            await Deno.remove(body.path).catch(() => {});
          }
          return `Got exec from ${from.name} to ${what} (${humanBytes(body.bytes())})`;
        },
        cleanup: nothing,
      };
    }
    case PlainType.freq: {
      if (options.noFreq) return skip("freq");
      const src = plainPathText(plain);
      if (!from.freq || !from.replyTo) {
        throw new TossRefusal(
          "rx-no-freq",
          `${from.name} may not request files: set freq.path for it`,
        );
      }
      const freq = from.freq;
      const replyTo = ctx.config.neigh.get(from.replyTo)!;
      let path: string;
      try {
        path = await resolveInside(freq.path, src);
      } catch (err) {
        if (err instanceof UnsafePathError) {
          throw new TossRefusal(
            "rx-freq-path",
            `request for ${JSON.stringify(src)} refused: ${err.message}`,
          );
        }
        throw err;
      }
      const name = memorySink(freqNameBytesMax);
      return {
        sink: name,
        fields: [["Type", "freq"], ["Src", src]],
        seenNote: "",
        finish: async () => {
          const dst = new TextDecoder().decode(name.bytes()!);
          const info = await Deno.stat(path).catch(() => null);
          if (!info || !info.isFile) {
            throw new TossRefusal(
              "rx-freq-missing",
              `${from.name} requested ${src}, which is not a file in ${freq.path}`,
            );
          }
          if (freq.maxsize && info.size > freq.maxsize * 1024) {
            throw new TossRefusal(
              "rx-freq-too-big",
              `${from.name} requested ${src} (${humanBytes(info.size)}), over freq.maxsize`,
            );
          }
          await sendFile(ctx, {
            src: path,
            to: replyTo,
            dst,
            nice: plain.nice,
            ...(freq.minsize ? { minSize: freq.minsize * 1024 } : {}),
            ...(freq.chunked ? { chunkBytes: freq.chunked * 1024 } : {}),
          });
          return `Got file request ${src} from ${from.name}, sent as ${dst}`;
        },
        cleanup: nothing,
      };
    }
    case PlainType.trns: {
      if (options.noTrns) return skip("trns");
      const dest = encodeBase32(plainPathId(plain));
      const node = ctx.config.neighById.get(dest);
      if (!node) throw new TossRefusal("rx-unknown", `transit packet for unknown node ${dest}`);
      const inner = await tempFileSink(await ctx.spool.tempPath(`trns-${packetKey}`), true);
      return {
        sink: inner,
        fields: [["Type", "trns"], ["Dst", dest]],
        seenNote: "",
        finish: async () => {
          await relayTrns(ctx, node, inner.path, inner.id()!, header.nice);
          return `Got transitional packet from ${from.name} to ${node.name} (${
            humanBytes(inner.bytes())
          })`;
        },
        cleanup: nothing,
      };
    }
    case PlainType.area: {
      if (options.noArea) return skip("area");
      const areaId = encodeBase32(plainPathId(plain));
      const area = [...ctx.config.areas.values()].find((a) => a.idText === areaId);
      if (!area) throw new TossRefusal("rx-area-unknown", `area packet for unknown area ${areaId}`);
      const inner = await tempFileSink(await ctx.spool.tempPath(`area-${packetKey}`), false);
      return {
        sink: inner,
        fields: [["Type", "area"], ["Area", area.name]],
        seenNote: "",
        finish: async () => {
          try {
            return await relayArea(
              ctx,
              area,
              encodeBase32(header.sender),
              inner.path,
              header.nice,
              options,
            );
          } finally {
            await Deno.remove(inner.path).catch(() => {});
          }
        },
        cleanup: nothing,
      };
    }
    case PlainType.ack: {
      if (options.noAck) return skip("ack");
      const acked = encodeBase32(plainPathId(plain));
      return {
        sink: { write() {}, commit() {}, abort() {} },
        fields: [["Type", "ack"], ["Pkt", acked]],
        seenNote: "",
        finish: async () => {
          const removed = await ctx.spool.remove(from.senderId, "tx", acked);
          return `Got ACK packet from ${from.name} of ${acked}${removed ? "" : " (already gone)"}`;
        },
        cleanup: nothing,
      };
    }
    default:
      throw new TossRefusal("rx-type-unknown", `plain packet type ${plain.type} is unknown`);
  }
}
