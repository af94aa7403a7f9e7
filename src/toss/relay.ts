/**
 * Relaying: transit packets go on to the next node (wrapped again when that
 * node is itself reached through relays), and area packets go on to the
 * area's subscribers and, with the area's private key, are read here too.
 * Both are idempotent: a relayed packet keeps its id, and area messages are
 * remembered per subscriber in `SPOOL/<node>/area/<area>/<message hash>`.
 * @module
 */

import type { Area, Neighbour } from "../config/mod.ts";
import { encodeBase32 } from "../encoding/base32.ts";
import { areaMsgHash, areaPlain, decryptPacket, readPacketHeader } from "../packet/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { queuePacket } from "../node/send.ts";
import { areaSeenPath, isAreaSeen, markAreaSeen } from "../node/area_seen.ts";
import { type DispatchOptions, planDelivery } from "./dispatch.ts";

async function openFile(path: string) {
  return await Deno.open(path, { read: true });
}

/** Moves a verified inner packet (file at `path`, id `id`) on towards `dest`. */
export async function relayTrns(
  ctx: NodeContext,
  dest: Neighbour,
  path: string,
  id: string,
  nice: number,
): Promise<void> {
  try {
    if (dest.via.length === 0) {
      if (await ctx.spool.has(dest.idText, "tx", id)) return; // relayed before an interruption
      const file = await openFile(path);
      let raw: Uint8Array;
      try {
        raw = (await readPacketHeader(file)).header.raw;
      } finally {
        file.close();
      }
      await ctx.spool.commit(path, dest.idText, "tx", id, raw);
      await ctx.spool.linkName(dest.idText, dest.name);
      return;
    }
    const lastRelay = ctx.config.neigh.get(dest.via[dest.via.length - 1]!)!;
    const file = await openFile(path);
    try {
      const info = await file.stat();
      await queuePacket(ctx, {
        to: lastRelay,
        via: dest.via.slice(0, -1),
        plain: { type: 4, nice: 0, path: dest.id },
        payload: file,
        payloadBytes: info.size,
        nice,
      });
    } finally {
      file.close();
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

function seenPath(ctx: NodeContext, nodeId: string, areaId: string, msgHash: string): string {
  return areaSeenPath(ctx.spool.root, nodeId, areaId, msgHash);
}

/**
 * Handles an area message (the inner packet at `path`): relays it to every
 * subscriber that has not had it (except the node it came from and its
 * originator), then reads it here when we hold the area's private key.
 */
export async function relayArea(
  ctx: NodeContext,
  area: Area,
  fromId: string,
  path: string,
  nice: number,
  options: DispatchOptions,
): Promise<string> {
  const file = await openFile(path);
  let inner;
  try {
    inner = await readPacketHeader(file);
  } finally {
    file.close();
  }
  const msgHash = areaMsgHash(inner.header.raw);
  const originator = encodeBase32(inner.header.sender);
  const relayedTo: string[] = [];
  for (const subName of area.subs) {
    const sub = ctx.config.neigh.get(subName);
    if (!sub) continue;
    const seen = seenPath(ctx, sub.idText, area.idText, msgHash);
    if (await isAreaSeen(seen)) continue;
    if (sub.idText !== fromId && sub.idText !== originator && sub.idText !== ctx.self.idText) {
      const payload = await openFile(path);
      try {
        await queuePacket(ctx, {
          to: sub,
          plain: areaPlain(area.id),
          payload,
          payloadBytes: (await payload.stat()).size,
          nice,
        });
      } finally {
        payload.close();
      }
      relayedTo.push(sub.name);
    }
    await markAreaSeen(seen);
  }
  const ownSeen = seenPath(ctx, ctx.self.idText, area.idText, msgHash);
  let local = "";
  if (!(await isAreaSeen(ownSeen))) {
    if (area.prv) {
      const receiver = {
        name: `area ${area.name}`,
        senderId: originator,
        ...(area.incoming ? { incoming: area.incoming } : {}),
        exec: area.exec,
      };
      let finish: (() => Promise<string>) | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      const packet = await openFile(path);
      try {
        await decryptPacket(packet, {
          self: { id: area.id, exchPrv: area.prv },
          senders: ctx.senders,
          allowUnknownSender: area.allowUnknown,
          open: async ({ header, plain }) => {
            const plan = await planDelivery(
              ctx,
              receiver,
              header,
              plain,
              `area-${msgHash}`,
              options,
            );
            finish = plan.finish;
            cleanup = plan.cleanup;
            return plan.sink;
          },
        });
      } finally {
        packet.close();
      }
      local = await finish!();
      await markAreaSeen(ownSeen);
      await cleanup!();
    } else {
      await markAreaSeen(ownSeen);
      local = "not readable here (no area private key)";
    }
  }
  return `Got area ${area.name} message ${msgHash} from ${originator}` +
    (relayedTo.length ? `, relayed to ${relayedTo.join(", ")}` : "") + (local ? `; ${local}` : "");
}
