/**
 * Bench section `mqtt`: the MQTT transport through a real mosquitto on
 * loopback.
 *
 * - Goodput: a 256 MiB file packet from alice to bob (`ferry mqtt` at both
 *   ends, each with the installed wrapper's V8 flags), timed from alice's
 *   start until bob's signed ACK removed the packet from alice's `tx/`
 *   (alice's log line `mqtt-packet-sent`, written right after; `tx/` is checked);
 *   against `mosquitto_pub` publishing the same number of bytes in 256 KiB
 *   messages at QoS 1 to a `mosquitto_sub` at QoS 1, in the same run.
 *   Bar: ferry at least 0.7× their goodput. Peak RSS of each ferry
 *   (VmHWM), bar 128 MiB.
 * - Client only: `mosquitto_pub` publishing the same messages to ferry's own MQTT client
 *   under Deno as a bare QoS 1 subscriber that only counts them
 *   (`_mqtt_client_only.ts`, ferry's V8 flags): what the client and
 *   Deno's sockets cost before ferry does anything with a message.
 * - Fleet: 50 simulated nodes in one process (own keys, spools and broker
 *   sessions) in a ring, each sending small exec packets to the next;
 *   packets per second (each is a DATA and a signed ACK message), broker
 *   and fleet memory.
 *
 * mosquitto runs with `set_tcp_nodelay true` (its small messages are not held
 * back by Nagle's algorithm), for ferry and the tools alike.
 *
 * `deno task bench mqtt` runs just this section (`--quick`: 16 MiB, fewer packets).
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { mib } from "./_harness.ts";
import { FERRY_V8_FLAGS } from "./packet.ts";
import { Broker } from "../../test/mqtt/_broker.ts";

const MiB = 1024 * 1024;
const chunkBytes = 256 * 1024;
/** Bars. */
const goodputRatioMin = 0.7;
const rssKiBMax = 128 * 1024;
/** How often process memory is sampled, ms. */
const sampleMs = 100;
/** Longest wait for one transfer, ms. */
const transferTimeoutMs = 15 * 60_000;

async function memoryOf(pid: number): Promise<number | null> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => null);
  if (text === null) return null;
  return Number(/VmHWM:\s*(\d+) kB/.exec(text)?.[1] ?? NaN);
}

/** Samples a process's peak RSS until it exits. */
function watchPeak(pid: number): { peak: () => number; stop: () => void } {
  let peak = 0;
  const timer = setInterval(async () => {
    const hwm = await memoryOf(pid);
    if (hwm !== null && hwm > peak) peak = hwm;
  }, sampleMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

async function ok(cmd: string, args: string[], stdin?: Uint8Array): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function countPackets(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(dir)) if (/^[A-Z2-7]{52}$/.test(e.name)) n++;
  } catch { /* none */ }
  return n;
}

function ferryCmd(
  ctx: BenchContext,
  cfg: string,
  args: string[],
  stderr: "null" | "piped" = "null",
): Deno.ChildProcess {
  return new Deno.Command(ctx.deno, {
    args: ["run", "-A", "--quiet", FERRY_V8_FLAGS, `${ctx.root}/main.ts`, "-c", cfg, ...args],
    env: { NO_PROGRESS: "1" },
    stdin: "null",
    stdout: "null",
    stderr,
  }).spawn();
}

async function goodput(ctx: BenchContext, broker: Broker, bytes: number, runs: number) {
  const root = `${ctx.dir}/mqtt-goodput`;
  const cfg = { alice: `${root}/alice.hjson`, bob: `${root}/bob.hjson` };
  const ids: Record<string, string> = {};
  for (const node of ["alice", "bob"] as const) {
    await Deno.mkdir(`${root}/nodes/${node}/incoming`, { recursive: true });
    await Deno.mkdir(`${root}/nodes/${node}/spool`, { recursive: true });
    const text = await Deno.readTextFile(`${ctx.root}/test/vectors/nncp/cfg/${node}.hjson`);
    const obj = JSON.parse(text.replaceAll("@ROOT@", root));
    ids[node] = obj.self.id;
    obj.ferry = { mqtt: { broker: broker.url, neighbours: [node === "alice" ? "bob" : "alice"] } };
    await Deno.writeTextFile(cfg[node], JSON.stringify(obj), { mode: 0o600 });
  }
  const payload = `${root}/payload.bin`;
  {
    const f = await Deno.open(payload, { write: true, create: true });
    const block = randomBytes(MiB);
    for (let i = 0; i < bytes / MiB; i++) await f.write(block);
    f.close();
  }
  ctx.say(`mqtt: queueing a ${bytes / MiB} MiB file packet`);
  await ok(ctx.deno, [
    "run",
    "-A",
    "--quiet",
    `${ctx.root}/main.ts`,
    "-c",
    cfg.alice,
    "file",
    payload,
    "bob:big.bin",
  ]);
  const tx = `${root}/nodes/alice/spool/${ids.bob}/tx`;
  let packetBytes = 0;
  for await (const e of Deno.readDir(tx)) {
    if (/^[A-Z2-7]{52}$/.test(e.name)) packetBytes += (await Deno.stat(`${tx}/${e.name}`)).size;
  }
  // The packet is kept aside so every run sends the same bytes.
  const packetName =
    (await Array.fromAsync(Deno.readDir(tx))).find((e) => /^[A-Z2-7]{52}$/.test(e.name))!.name;
  await Deno.copyFile(`${tx}/${packetName}`, `${root}/packet.keep`);
  const rx = `${root}/nodes/bob/spool/${ids.alice}/rx`;
  const ferryOnce = async () => {
    await Deno.remove(rx, { recursive: true }).catch(() => {});
    await Deno.copyFile(`${root}/packet.keep`, `${tx}/${packetName}`);
    const bob = ferryCmd(ctx, cfg.bob, ["mqtt"]);
    const bobPeak = watchPeak(bob.pid);
    await new Promise((r) => setTimeout(r, 2000)); // bob is connected and online
    ctx.say("mqtt: ferry transfer");
    const started = performance.now();
    const alice = ferryCmd(ctx, cfg.alice, ["mqtt"], "piped");
    const alicePeak = watchPeak(alice.pid);
    // When alice is connected: the transfer phase is timed from there as well. The end is
    // alice's log line for the signed ack, written once the packet left tx/ (checked below).
    let connectedAt = NaN;
    let sentAt = NaN;
    const lines = alice.stderr.pipeThrough(new TextDecoderStream());
    const reading = (async () => {
      let tail = "";
      for await (const text of lines) {
        const now = performance.now();
        tail = (tail + text).slice(-4096);
        if (Number.isNaN(connectedAt) && tail.includes("mqtt-connected")) connectedAt = now;
        if (Number.isNaN(sentAt) && tail.includes("mqtt-packet-sent")) sentAt = now;
      }
    })();
    const deadline = Date.now() + transferTimeoutMs;
    // The spool is listed only now and then: the listing would take processor time from ferry.
    for (let i = 1; Number.isNaN(sentAt); i++) {
      if (Date.now() > deadline) throw new Error("the ferry transfer did not finish in time");
      if (i % 100 === 0 && (await countPackets(tx)) === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const doneAt = Number.isNaN(sentAt) ? performance.now() : sentAt;
    if ((await countPackets(tx)) > 0) throw new Error("alice logged the packet sent, tx/ has it");
    const ferrySec = (doneAt - started) / 1000;
    const transferSec = (doneAt - connectedAt) / 1000;
    for (const p of [alice, bob]) p.kill("SIGTERM");
    await Promise.all([alice.status, bob.status, reading]);
    alicePeak.stop();
    bobPeak.stop();

    return { ferrySec, transferSec, alicePeak: alicePeak.peak(), bobPeak: bobPeak.peak() };
  };
  const toolsOnce = async () => {
    ctx.say("mqtt: mosquitto_pub → mosquitto_sub");
    const chunk = `${root}/chunk.bin`;
    await Deno.writeFile(chunk, randomBytes(chunkBytes));
    const count = Math.ceil(packetBytes / chunkBytes);
    const port = String(broker.port);
    const sub = new Deno.Command("mosquitto_sub", {
      args: [
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-q",
        "1",
        "-N",
        "-C",
        String(count),
        "-t",
        "bench/x",
        "-i",
        "bench-sub",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await ok("mosquitto_pub", [
      "-h",
      "127.0.0.1",
      "-p",
      port,
      "-q",
      "1",
      "-t",
      "bench/x",
      "-f",
      chunk,
      "--repeat",
      String(count),
      "-i",
      "bench-pub",
    ]);
    const subStatus = await sub.status;
    const toolsSec = (performance.now() - t0) / 1000;
    if (!subStatus.success) throw new Error("mosquitto_sub failed");

    return toolsSec;
  };
  const clientOnce = async () => {
    ctx.say("mqtt: mosquitto_pub → ferry's MQTT client, counting");
    const chunk = `${root}/chunk.bin`;
    const count = Math.ceil(packetBytes / chunkBytes);
    const sub = new Deno.Command(ctx.deno, {
      args: [
        "run",
        "-A",
        "--quiet",
        FERRY_V8_FLAGS,
        `${ctx.root}/scripts/bench/_mqtt_client_only.ts`,
        broker.url,
        "bench/client-only",
        String(count),
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const errors = sub.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("ready")) {
      const { value, done } = await errors.read();
      if (done) throw new Error(`the bare MQTT client subscriber did not start: ${said}`);
      said += value;
    }
    const t0 = performance.now();
    await ok("mosquitto_pub", [
      "-h",
      "127.0.0.1",
      "-p",
      String(broker.port),
      "-q",
      "1",
      "-t",
      "bench/client-only",
      "-f",
      chunk,
      "--repeat",
      String(count),
      "-i",
      "bench-pub",
    ]);
    const stdout = await new Response(sub.stdout).text();
    const status = await sub.status;
    const sec = (performance.now() - t0) / 1000;
    await errors.cancel();
    if (!status.success) throw new Error("the bare MQTT client subscriber failed");
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
    return { sec, peakKiB: r.peakKiB as number };
  };
  const f = [];
  const t = [];
  const c = [];
  for (let i = 0; i < runs; i++) {
    f.push(await ferryOnce());
    t.push(await toolsOnce());
    c.push(await clientOnce());
  }
  const count = Math.ceil(packetBytes / chunkBytes);
  return {
    packetBytes,
    ferrySec: Math.min(...f.map((x) => x.ferrySec)),
    transferSec: Math.min(...f.map((x) => x.transferSec)),
    toolsSec: Math.min(...t),
    clientSec: Math.min(...c.map((x) => x.sec)),
    clientPeak: Math.max(...c.map((x) => x.peakKiB)),
    toolsBytes: count * chunkBytes,
    alicePeak: Math.max(...f.map((x) => x.alicePeak)),
    bobPeak: Math.max(...f.map((x) => x.bobPeak)),
  };
}

async function fleet(
  ctx: BenchContext,
  broker: Broker,
  nodes: number,
  packets: number,
  bytes: number,
) {
  const dir = `${ctx.dir}/mqtt-fleet`;
  await Deno.mkdir(dir, { recursive: true });
  ctx.say(`mqtt: fleet of ${nodes} nodes, ${packets} packets each`);
  const child = new Deno.Command(ctx.deno, {
    args: [
      "run",
      "-A",
      "--quiet",
      FERRY_V8_FLAGS,
      `${ctx.root}/scripts/bench/_mqtt_fleet.ts`,
      dir,
      broker.url,
      String(nodes),
      String(packets),
      String(bytes),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const peak = watchPeak(child.pid);
  const out = await child.output();
  peak.stop();
  if (out.code !== 0) throw new Error(`fleet failed: ${new TextDecoder().decode(out.stderr)}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  return { ...result, fleetPeak: peak.peak(), brokerPeak: (await memoryOf(broker.pid)) ?? NaN };
}

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const bytes = ctx.quick ? 16 * MiB : 256 * MiB;
  // TCP_NODELAY on the broker: its small messages (PUBACKs, HAVEs, ACKs) go out at once rather
  // than after the previous segment's delayed acknowledgement (tens of ms per round trip).
  const broker = await Broker.start(ctx.dir, {
    maxQueuedMessages: 1000,
    extra: ["set_tcp_nodelay true"],
  }, "bench");
  try {
    const runs = ctx.quick ? 1 : 3;
    const g = await goodput(ctx, broker, bytes, runs);
    const ferryMiBs = g.packetBytes / MiB / g.ferrySec;
    const toolsMiBs = g.toolsBytes / MiB / g.toolsSec;
    const ratio = ferryMiBs / toolsMiBs;
    const transferMiBs = g.packetBytes / MiB / g.transferSec;
    const f = await fleet(ctx, broker, 50, ctx.quick ? 4 : 20, 1024);
    return [
      {
        title: `mqtt: ${
          bytes / MiB
        } MiB through mosquitto on loopback, ferry vs mosquitto_pub/mosquitto_sub (QoS 1, best of ${runs}, interleaved)`,
        columns: ["", "seconds", "MiB/s", "peak RSS MiB"],
        rows: [
          [
            "ferry mqtt (alice → bob, until the signed ack)",
            g.ferrySec.toFixed(2),
            ferryMiBs.toFixed(1),
            `alice ${mib(g.alicePeak)}, bob ${mib(g.bobPeak)}`,
          ],
          [
            "ferry, from alice connected to the signed ack",
            g.transferSec.toFixed(2),
            transferMiBs.toFixed(1),
            "-",
          ],
          [
            "mosquitto_pub → mosquitto_sub, 256 KiB messages",
            g.toolsSec.toFixed(2),
            toolsMiBs.toFixed(1),
            "-",
          ],
          [
            "mosquitto_pub → ferry's MQTT client, counting only",
            g.clientSec.toFixed(2),
            (g.toolsBytes / MiB / g.clientSec).toFixed(1),
            mib(g.clientPeak),
          ],
        ],
        notes: [
          `Goodput ratio ferry / mosquitto tools: ${
            ratio.toFixed(2)
          }× (bar ≥ ${goodputRatioMin}×: ${ratio >= goodputRatioMin ? "met" : "MISSED"}). ` +
          `Peak RSS bar ${rssKiBMax / 1024} MiB: ${
            Math.max(g.alicePeak, g.bobPeak) <= rssKiBMax ? "met" : "MISSED"
          }. ` +
          `ferry's time includes its start-up (from connected: ${
            (transferMiBs / toolsMiBs).toFixed(2)
          }×), ` +
          "bob's writes to its spool and the signed ack back (bob checks the id as chunks arrive). " +
          `ferry's MQTT client alone, only counting messages: ${
            (g.toolsSec / g.clientSec).toFixed(2)
          }× the mosquitto tools.`,
        ],
      },
      {
        title: `mqtt: fleet of ${f.nodes} simulated nodes through one mosquitto`,
        columns: [
          "packets",
          "seconds",
          "packets/s",
          "MQTT messages/s",
          "fleet process peak RSS MiB",
          "broker peak RSS MiB",
        ],
        rows: [[
          `${f.received}/${f.packets}`,
          f.seconds.toFixed(1),
          (f.received / f.seconds).toFixed(0),
          ((2 * f.received) / f.seconds).toFixed(0),
          `${mib(f.fleetPeak)} (${mib(f.fleetPeak / f.nodes)} per node)`,
          mib(f.brokerPeak),
        ]],
        notes: [
          "A ring: every node sends 1 KiB exec packets to the next. Each packet is one DATA message and one signed ACK; " +
          "the fleet runs in one process, so its memory is shared by all nodes.",
        ],
      },
    ];
  } finally {
    await broker.stop();
  }
}

/** Random bytes of any length (the Web Crypto call gives at most 64 KiB at once). */
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) {
    crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  }
  return out;
}
