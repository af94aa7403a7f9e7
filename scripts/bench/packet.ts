/**
 * Bench section `packet`: creating and decrypting a 256 MiB file packet
 * with ferry (`scripts/packet_tool.ts`, its own process) and with NNCP's
 * own tools (`nncp-file`; `nncp-toss` on a spool with the packet in rx),
 * side by side on the same input, best of three runs each; plus ferry's peak
 * memory for 64 MiB and 1 GiB payloads.
 *
 * Bars: ferry takes at most 1.2× NNCP's time for create and for decrypt;
 * its peak RSS for 1 GiB is at most 96 MiB and within 16 MiB of its peak
 * for 64 MiB.
 * @module
 */

import { type BenchContext, type BenchTable, measure, type Measured, mib } from "./_harness.ts";

const MiB = 1024 * 1024;
/** Runs per timed measurement; the best one counts (the machine is shared). */
const REPEATS = 3;
/** Bar: ferry's time over NNCP's, for create and for decrypt. */
const TIME_BAR = 1.2;
/** V8 flags ferry's long-running processes use: collectable young buffers, small young space. */
export const FERRY_V8_FLAGS = "--v8-flags=--expose-gc,--max-semi-space-size=1";

interface World {
  root: string;
  cfg: { alice: string; bob: string };
  aliceId: string;
  bobId: string;
}

async function makeWorld(ctx: BenchContext): Promise<World> {
  const root = `${ctx.dir}/packet`;
  const cfg = { alice: `${root}/alice.hjson`, bob: `${root}/bob.hjson` };
  const ids: Record<string, string> = {};
  for (const name of ["alice", "bob"] as const) {
    const text = await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${name}.hjson`);
    for (const sub of ["spool", "incoming", "pub", "ferry-out", "ferry-in"]) {
      await Deno.mkdir(`${root}/nodes/${name}/${sub}`, { recursive: true });
    }
    await Deno.writeTextFile(cfg[name], text.replaceAll("@ROOT@", root));
    ids[name] = JSON.parse(text).self.id;
  }
  return { root, cfg, aliceId: ids.alice!, bobId: ids.bob! };
}

/** Writes `bytes` of pseudo-random data (a fresh random MiB, varied per MiB). */
async function makePayload(path: string, bytes: number): Promise<void> {
  const block = new Uint8Array(MiB);
  for (let i = 0; i < MiB; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let done = 0; done < bytes; done += MiB) {
    new DataView(block.buffer).setUint32(0, done / MiB);
    const n = Math.min(MiB, bytes - done);
    for (let w = 0; w < n;) w += await file.write(block.subarray(w, n));
  }
}

async function best(
  label: string,
  ctx: BenchContext,
  run: () => Promise<Measured>,
): Promise<Measured> {
  let top: Measured | null = null;
  for (let i = 0; i < REPEATS; i++) {
    const m = await run();
    ctx.say(`${label}: ${m.seconds.toFixed(2)} s, ${mib(m.maxRssKiB)} MiB`);
    if (top === null || m.seconds < top.seconds) top = m;
  }
  return top!;
}

async function emptyDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}

async function onlyFile(dir: string): Promise<string> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  if (names.length !== 1) {
    throw new Error(`expected one packet in ${dir}, found ${names.join(" ")}`);
  }
  return `${dir}/${names[0]}`;
}

async function checkSize(path: string, bytes: number): Promise<void> {
  const size = (await Deno.stat(path)).size;
  if (size !== bytes) throw new Error(`${path} has ${size} bytes, expected ${bytes}`);
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const sizes = ctx.quick
    ? { main: 16 * MiB, big: 64 * MiB, small: 16 * MiB }
    : { main: 256 * MiB, big: 1024 * MiB, small: 64 * MiB };
  const w = await makeWorld(ctx);
  const tool = `${ctx.root}/scripts/packet_tool.ts`;
  const ferry = (args: string[]) => measure(ctx.deno, ["run", "-A", FERRY_V8_FLAGS, tool, ...args]);
  const aliceTx = `${w.root}/nodes/alice/spool/${w.bobId}/tx`;
  const bobRx = `${w.root}/nodes/bob/spool/${w.aliceId}/rx`;
  const ferryOut = `${w.root}/nodes/alice/ferry-out`;
  const ferryIn = `${w.root}/nodes/bob/ferry-in`;
  const incoming = `${w.root}/nodes/bob/incoming`;

  const payloads: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(sizes)) {
    payloads[name] = `${w.root}/payload-${name}.bin`;
    await makePayload(payloads[name]!, bytes);
  }
  const main = payloads.main!;

  const nncpCreate = await best("nncp-file", ctx, async () => {
    await emptyDir(aliceTx);
    return measure("nncp-file", ["-cfg", w.cfg.alice, "-quiet", main, "bob:payload.bin"]);
  });
  const made = await onlyFile(aliceTx);
  const nncpId = made.slice(made.lastIndexOf("/") + 1);
  const nncpPacket = `${w.root}/${nncpId}`;
  await Deno.rename(made, nncpPacket);

  const ferryCreate = await best("ferry encrypt", ctx, async () => {
    await emptyDir(ferryOut);
    return ferry([
      "encrypt",
      "--cfg",
      w.cfg.alice,
      "--to",
      "bob",
      "--file",
      main,
      "--name",
      "payload.bin",
      "--out",
      ferryOut,
    ]);
  });
  await checkSize(await onlyFile(ferryOut), (await Deno.stat(nncpPacket)).size);

  const nncpDecrypt = await best("nncp-toss", ctx, async () => {
    await emptyDir(incoming);
    await emptyDir(bobRx);
    await Deno.copyFile(nncpPacket, `${bobRx}/${nncpId}`);
    const m = await measure("nncp-toss", ["-cfg", w.cfg.bob, "-quiet"]);
    await checkSize(`${incoming}/payload.bin`, sizes.main);
    return m;
  });

  const ferryDecrypt = await best("ferry decrypt", ctx, async () => {
    await emptyDir(ferryIn);
    const m = await ferry([
      "decrypt",
      "--cfg",
      w.cfg.bob,
      "--packet",
      nncpPacket,
      "--out",
      ferryIn,
    ]);
    await checkSize(`${ferryIn}/payload.bin`, sizes.main);
    return m;
  });

  const rssCases: [string, (payload: string) => string[]][] = [
    ["encrypt (id hashed inline, worker from 8 MiB)", (p) => encryptArgs(p, "auto")],
    ["encrypt (id hashed on the worker at every size)", (p) => encryptArgs(p, "worker")],
    ["decrypt (as toss does, no id)", () => decryptArgs([])],
    ["decrypt with id check (worker from 8 MiB)", () => decryptArgs(["--id"])],
  ];
  const encryptArgs = (payload: string, hash: string) => [
    "encrypt",
    "--cfg",
    w.cfg.alice,
    "--to",
    "bob",
    "--file",
    payload,
    "--name",
    "payload.bin",
    "--out",
    ferryOut,
    "--hash",
    hash,
  ];
  const decryptArgs = (extra: string[]) => [
    "decrypt",
    "--cfg",
    w.cfg.bob,
    "--packet",
    `${w.root}/rss-packet`,
    "--out",
    ferryIn,
    ...extra,
  ];
  const rssRows: (string | number)[][] = [];
  let worst = 0;
  const growths: number[] = [];
  for (const [label, args] of rssCases) {
    const peaks: number[] = [];
    for (const name of ["small", "big"] as const) {
      await emptyDir(ferryOut);
      await emptyDir(ferryIn);
      if (label.startsWith("decrypt")) {
        await ferry(encryptArgs(payloads[name]!, "auto"));
        await Deno.rename(await onlyFile(ferryOut), `${w.root}/rss-packet`);
      }
      const m = await ferry(args(payloads[name]!));
      ctx.say(`${label}, ${name}: ${m.seconds.toFixed(2)} s, ${mib(m.maxRssKiB)} MiB`);
      if (label.startsWith("decrypt")) await checkSize(`${ferryIn}/payload.bin`, sizes[name]);
      peaks.push(m.maxRssKiB / 1024);
    }
    const [a = 0, b = 0] = peaks;
    worst = Math.max(worst, b);
    growths.push(b - a);
    rssRows.push([label, a.toFixed(1), b.toFixed(1), (b - a).toFixed(1)]);
  }
  await emptyDir(ferryOut);
  await emptyDir(ferryIn);

  const ratio = (f: Measured, n: Measured) => f.seconds / n.seconds;
  const createRatio = ratio(ferryCreate, nncpCreate);
  const decryptRatio = ratio(ferryDecrypt, nncpDecrypt);
  const label = `${sizes.main / MiB} MiB`;
  const timeTable: BenchTable = {
    title:
      `packet: create and decrypt a ${label} file packet, ferry vs NNCP 8.8.2 (best of ${REPEATS})`,
    columns: [
      "operation",
      "NNCP s",
      "ferry s",
      "ferry / NNCP",
      "NNCP peak RSS MiB",
      "ferry peak RSS MiB",
    ],
    rows: [
      [
        "create (nncp-file / encrypt)",
        nncpCreate.seconds.toFixed(2),
        ferryCreate.seconds.toFixed(2),
        createRatio.toFixed(2),
        mib(nncpCreate.maxRssKiB),
        mib(ferryCreate.maxRssKiB),
      ],
      [
        "decrypt (nncp-toss / decrypt)",
        nncpDecrypt.seconds.toFixed(2),
        ferryDecrypt.seconds.toFixed(2),
        decryptRatio.toFixed(2),
        mib(nncpDecrypt.maxRssKiB),
        mib(ferryDecrypt.maxRssKiB),
      ],
    ],
    notes: [
      `Bar: ferry at most ${TIME_BAR}× NNCP's time: create ${
        createRatio <= TIME_BAR ? "met" : "MISSED"
      } (${createRatio.toFixed(2)}×), ` +
      `decrypt ${decryptRatio <= TIME_BAR ? "met" : "MISSED"} (${
        decryptRatio.toFixed(2)
      }×). Both write with fsync; ` +
      "ferry's time includes starting Deno and computing the packet id (MTH) on the second core.",
    ],
  };
  const bigLabel = `${sizes.big / MiB} MiB`;
  const rssTable: BenchTable = {
    title: `packet: ferry peak RSS by payload size (MiB)`,
    columns: ["operation", `${sizes.small / MiB} MiB payload`, `${bigLabel} payload`, "difference"],
    rows: rssRows,
    notes: [
      `Bar: at most 96 MiB for ${bigLabel}: ${worst <= 96 ? "met" : "MISSED"} (worst ${
        worst.toFixed(1)
      }). Within 16 MiB of the ${sizes.small / MiB} MiB run: ${
        growths.every((g) => g <= 16) ? "met" : "MISSED"
      } (worst +${Math.max(...growths).toFixed(1)}). Both sizes start the hashing worker ` +
      `(from 8 MiB). ferry runs with ${FERRY_V8_FLAGS}.`,
    ],
  };
  return [timeTable, rssTable];
}
