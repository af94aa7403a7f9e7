/**
 * Bench section `direwolf` (`deno task bench direwolf`): `ferry link` over
 * two real Dire Wolf soft modems (AFSK 1200) joined by an audio relay at
 * the real sample rate, clean and with noise that makes Dire Wolf lose
 * frames. A 16 KiB file goes one way with an urgent message each way;
 * goodput is the file's bytes over the time from the session's start to
 * its arrival, against the 1200 bit/s line rate (bar: 0.6 on the clean
 * channel). Reports turnarounds, retransmissions, repeated turns and the
 * turn timer's estimates of both sides.
 * @module
 */

import type { BenchContext, BenchTable } from "./_harness.ts";
import { type LinkFile, runDirewolfLink } from "../../test/direwolf/_direwolf_link.ts";

/** Line rate of AFSK 1200, bit/s. */
const lineBitsPerSecond = 1200;
/** Goodput bar on the clean channel, share of the line rate. */
const cleanBar = 0.6;

/** Runs the section. */
export async function run(ctx: BenchContext): Promise<BenchTable[]> {
  const size = ctx.quick ? 4096 : 16_384;
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const cases = [
    { label: "clean", noiseSigma: 0, maxSec: 900 },
    { label: "noisy (σ 17000 of 32767)", noiseSigma: 17_000, maxSec: 600 },
  ];
  for (const { label, noiseSigma, maxSec } of cases) {
    ctx.say(`direwolf: ${label}, ${size} bytes`);
    const dir = `${ctx.dir}/direwolf-${noiseSigma}`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.mkdir(`${ctx.root}/.bench`, { recursive: true });
    const bytes = new Uint8Array(size);
    crypto.getRandomValues(bytes);
    const files: LinkFile[] = [
      { from: "alice", name: "file.bin", bytes },
      {
        from: "alice",
        name: "urgent-a.txt",
        bytes: new TextEncoder().encode("urgent\n"),
        nice: "F",
      },
      { from: "bob", name: "urgent-b.txt", bytes: new TextEncoder().encode("ack\n"), nice: "F" },
    ];
    const r = await runDirewolfLink(dir, files, { noiseSigma, seed: 7, maxSec, debug: true });
    await Deno.copyFile(
      `${dir}/ferry-alice.log`,
      `${ctx.root}/.bench/direwolf-${noiseSigma}-alice.log`,
    )
      .catch(() => {});
    await Deno.copyFile(`${dir}/ferry-bob.log`, `${ctx.root}/.bench/direwolf-${noiseSigma}-bob.log`)
      .catch(() => {});
    const delivered = r.problems.length === 0 && r.arrivedSec.length === files.length;
    const fileSec = Math.max(...r.arrivedSec);
    const ratio = delivered ? (size * 8) / fileSec / lineBitsPerSecond : 0;
    const a = r.done.alice ?? {}, b = r.done.bob ?? {};
    if (!delivered) {
      notes.push(`${label}: NOT delivered within ${maxSec} s: ${r.problems.join("; ")}`);
    }
    rows.push([
      label,
      size,
      delivered ? fileSec.toFixed(1) : `not within ${maxSec}`,
      delivered ? ((size * 8) / fileSec).toFixed(0) : "-",
      delivered ? ratio.toFixed(2) : "-",
      `${a.turns}/${b.turns}`,
      `${a.retransmitted}/${b.retransmitted}`,
      `${a.replyTimeouts}/${b.replyTimeouts}`,
      `${a.replySrttMs}±${a.replyRttvarMs} / ${b.replySrttMs}±${b.replyRttvarMs}`,
      `${a.replyTimeoutMs}/${b.replyTimeoutMs}`,
      r.wallSec.toFixed(0),
    ]);
    if (noiseSigma === 0 && delivered) {
      notes.push(
        `Clean goodput ${ratio.toFixed(2)} of the line rate: ${
          ratio >= cleanBar ? "meets" : "MISSES"
        } the bar of ${cleanBar}.`,
      );
    }
  }
  notes.push(
    "Goodput: file bytes over the time from the session's start to the file's arrival (NNCP " +
      "packet headers, the urgent messages, AX.25 headers, HDLC flags and bit stuffing, TXDELAY and " +
      "turnarounds all count against it). Columns with a/b: alice (sender of the file) / bob. " +
      "Reply SRTT±RTTVAR: measured reply latency beyond the modelled airtime (both TNCs' slot, " +
      "TXDELAY and the peer's work); reply timeout: the timer's value at the end.",
  );
  return [{
    title: `ferry link over two Dire Wolf 1.6 modems (AFSK 1200, KISS, AX.25 UI frames)`,
    columns: [
      "channel",
      "file bytes",
      "file arrived (s)",
      "goodput (bit/s)",
      "of 1200 bit/s",
      "turns a/b",
      "retransmitted a/b",
      "repeated turns a/b",
      "reply SRTT±RTTVAR a / b (ms)",
      "reply timeout a/b (ms)",
      "wall (s)",
    ],
    rows,
    notes,
  }];
}
