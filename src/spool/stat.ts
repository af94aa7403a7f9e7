/**
 * What waits in the spool, per neighbour: packets and bytes by direction and
 * niceness, partly received and unchecked files, and the oldest packet. Feeds
 * `ferry stat` and `ferry status`.
 * @module
 */

import { isNotFound } from "../fsutil/mod.ts";
import { isId, type Spool, type SpoolProblem } from "./spool.ts";
import { parseSpoolHeader } from "./header.ts";

/** Counts for one niceness level. */
export interface NiceCounts {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  nockPackets: number;
  nockBytes: number;
}

/** One packet, for `--pkt` listings. */
export interface PacketLine {
  xx: "rx" | "tx";
  id: string;
  suffix: "" | ".nock" | ".part";
  size: number;
  nice: number | null;
  mtimeMs: number;
}

/** The state of one neighbour's queues. */
export interface NodeStat {
  name: string;
  id: string;
  byNice: Map<number, NiceCounts>;
  partPackets: number;
  partBytes: number;
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  /** Modification time of the oldest waiting packet in each direction, or null. */
  oldestRxMs: number | null;
  oldestTxMs: number | null;
  packets: PacketLine[];
}

function counts(map: Map<number, NiceCounts>, nice: number): NiceCounts {
  let c = map.get(nice);
  if (!c) {
    c = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, nockPackets: 0, nockBytes: 0 };
    map.set(nice, c);
  }
  return c;
}

const oldest = (a: number | null, b: number) => (a === null || b < a ? b : a);

/** Collects the statistics of one node's queues. */
export async function nodeStat(
  spool: Spool,
  name: string,
  id: string,
  onProblem?: (p: SpoolProblem) => void,
): Promise<NodeStat> {
  const st: NodeStat = {
    name,
    id,
    byNice: new Map(),
    partPackets: 0,
    partBytes: 0,
    rxPackets: 0,
    rxBytes: 0,
    txPackets: 0,
    txBytes: 0,
    oldestRxMs: null,
    oldestTxMs: null,
    packets: [],
  };
  for (const xx of ["rx", "tx"] as const) {
    for await (const e of spool.list(id, xx, onProblem)) {
      const c = counts(st.byNice, e.nice);
      if (xx === "rx") {
        c.rxPackets++;
        c.rxBytes += e.size;
        st.rxPackets++;
        st.rxBytes += e.size;
        st.oldestRxMs = oldest(st.oldestRxMs, e.mtimeMs);
      } else {
        c.txPackets++;
        c.txBytes += e.size;
        st.txPackets++;
        st.txBytes += e.size;
        st.oldestTxMs = oldest(st.oldestTxMs, e.mtimeMs);
      }
      st.packets.push({ xx, id: e.id, suffix: "", size: e.size, nice: e.nice, mtimeMs: e.mtimeMs });
    }
  }
  try {
    for await (const e of Deno.readDir(spool.dir(id, "rx"))) {
      const m = /^(.{52})\.(part|nock)$/.exec(e.name);
      if (!e.isFile || !m || !isId(m[1]!)) continue;
      const path = `${spool.dir(id, "rx")}/${e.name}`;
      const info = await Deno.stat(path).catch(() => null);
      if (!info) continue;
      const mtimeMs = info.mtime?.getTime() ?? 0;
      if (m[2] === "part") {
        st.partPackets++;
        st.partBytes += info.size;
        st.packets.push({
          xx: "rx",
          id: m[1]!,
          suffix: ".part",
          size: info.size,
          nice: null,
          mtimeMs,
        });
        continue;
      }
      const head = await readFirst(path, 172).catch(() => new Uint8Array(0));
      let nice: number;
      try {
        nice = parseSpoolHeader(head).nice;
      } catch (err) {
        onProblem?.({ path, reason: (err as Error).message });
        continue;
      }
      const c = counts(st.byNice, nice);
      c.nockPackets++;
      c.nockBytes += info.size;
      st.packets.push({ xx: "rx", id: m[1]!, suffix: ".nock", size: info.size, nice, mtimeMs });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return st;
}

async function readFirst(path: string, n: number): Promise<Uint8Array> {
  const f = await Deno.open(path);
  try {
    const buf = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const got = await f.read(buf.subarray(off));
      if (got === null) break;
      off += got;
    }
    return buf.subarray(0, off);
  } finally {
    f.close();
  }
}
