/**
 * Everything a spool operation needs, built once from the configuration: our
 * keys, the spool, the NNCP log, the structured logger, and lookups of
 * neighbours by id for signature checks and routing.
 * @module
 */

import type { Config, Neighbour, SelfNode } from "../config/mod.ts";
import { decodeBase32, encodeBase32 } from "../encoding/base32.ts";
import type { Logger } from "../log/logger.ts";
import { NncpLog, type RecValue } from "../log/nncp_log.ts";
import type { KnownSender, PacketPeer, SenderLookup } from "../packet/mod.ts";
import { Spool } from "../spool/mod.ts";

/** A configuration that has our private keys. */
export type ConfigWithSelf = Config & { self: SelfNode };

/** The shared state of spool operations. */
export interface NodeContext {
  config: ConfigWithSelf;
  self: SelfNode;
  spool: Spool;
  log: Logger;
  nncpLog: NncpLog;
  /** Known nodes by 32-byte id, for signature checks. */
  senders: SenderLookup;
  /** Appends a record to NNCP's log; a failure to log is reported but never stops the work. */
  record(who: string, fields: [string, RecValue][]): Promise<void>;
}

/** Builds the context for `config`. */
export function createNodeContext(config: ConfigWithSelf, log: Logger): NodeContext {
  const spool = new Spool(config.spool, config.self.idText, { noHdr: config.noHdr });
  const nncpLog = new NncpLog(config.log);
  const senders: SenderLookup = (id) => {
    const node = config.neighById.get(encodeBase32(id));
    return node ? ({ signPub: node.signPub } satisfies KnownSender) : undefined;
  };
  return {
    config,
    self: config.self,
    spool,
    log,
    nncpLog,
    senders,
    async record(who, fields) {
      const err = await nncpLog.write(who, fields);
      if (err) log.warn("log-write-failed", { file: config.log, error: err.message });
    },
  };
}

/** A neighbour as an encryption target. */
export function peerOf(node: Neighbour): PacketPeer {
  return { id: node.id, exchPub: node.exchPub };
}

/** The name of a node id for messages: its `neigh` name or the id itself. */
export function nameOf(ctx: NodeContext, id: string | Uint8Array): string {
  const text = typeof id === "string" ? id : encodeBase32(id);
  if (text === ctx.self.idText) return "self";
  return ctx.config.neighById.get(text)?.name ?? text;
}

/** The route to `node`: its configured `via` relays (first hop first), unless overridden. */
export function routeTo(
  ctx: NodeContext,
  node: Neighbour,
  viaOverride?: string[],
): { firstHop: Neighbour; via: Neighbour[] } {
  const names = viaOverride ?? node.via;
  const via = names.map((name) => {
    const hop = ctx.config.neigh.get(name) ?? ctx.config.neighById.get(name);
    if (!hop) throw new RangeError(`via names an unknown node ${JSON.stringify(name)}`);
    return hop;
  });
  return { firstHop: via[0] ?? node, via };
}

/** Decodes a base32 node or packet id. */
export function idBytes(text: string): Uint8Array {
  return decodeBase32(text);
}
