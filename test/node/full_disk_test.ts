/**
 * Full disks: small tmpfs mounts stand in for a full incoming folder, a full
 * spool and a full medium. What does not fit is refused with a log line and
 * kept where it was; what fits goes through; nothing partial is left; and
 * the refused work succeeds once there is room. Mounting needs root, so
 * these tests are ignored (reported as such) for other users.
 */

import { assert, assertEquals } from "../assert.ts";
import { queuePacket } from "../../src/node/send.ts";
import { filePlain } from "../../src/packet/mod.ts";
import { xfer } from "../../src/xfer/mod.ts";
import {
  ferryOk,
  ferryRun,
  handOver,
  mediaDir,
  namesIn,
  nodeContext,
  packetsIn,
  patternBytes,
  queueDir,
  sameBytes,
  withWorld,
  type World,
} from "./_world.ts";

const notRoot = Deno.uid() !== 0;
const MiB = 1024 * 1024;

async function sh(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Mounts a tmpfs of `mib` MiB on `dir` for the length of `fn`. */
async function withTmpfs(dir: string, mib: number, fn: () => Promise<void>): Promise<void> {
  await sh("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "none", dir]);
  try {
    await fn();
  } finally {
    await sh("umount", [dir]).catch(() => sh("umount", ["-l", dir]));
  }
}

async function queueFiles(w: World, to: "bob", files: [string, Uint8Array][]) {
  const { ctx } = await nodeContext(w.alice);
  for (const [name, bytes] of files) {
    await queuePacket(ctx, {
      to: ctx.config.neigh.get(to)!,
      plain: filePlain(name, 96),
      payload: bytes,
      nice: 96,
    });
  }
}

Deno.test({
  name:
    "toss into a full incoming folder keeps what does not fit in rx, delivers the rest, and the rest later",
  ignore: notRoot,
  fn: () =>
    withWorld(async (w) => {
      const big = patternBytes(2 * MiB, 41);
      await queueFiles(w, "bob", [["big.bin", big], ["a.txt", new Uint8Array(10)]]);
      await queueFiles(w, "bob", [["b.txt", new Uint8Array(20)]]);
      await handOver(w, "alice", "bob");
      await withTmpfs(w.bob.incoming, 1, async () => {
        const r = await ferryRun(w.bob, ["toss"]);
        assertEquals(r.code, 1, r.stderr);
        assert(/error rx-failed .*No space left on device/.test(r.stderr), r.stderr);
        assertEquals(await namesIn(w.bob.incoming), ["a.txt", "b.txt"], "no partial file");
        assertEquals((await packetsIn(queueDir(w.bob, "alice", "rx"))).length, 1);

        await sh("mount", ["-o", "remount,size=4m", w.bob.incoming]);
        await ferryOk(w.bob, ["toss"]);
        assertEquals(await namesIn(w.bob.incoming), ["a.txt", "b.txt", "big.bin"]);
        assert(sameBytes(await Deno.readFile(`${w.bob.incoming}/big.bin`), big));
        assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), []);
      });
    }),
});

Deno.test({
  name:
    "xfer --rx into a full spool refuses with a clear log line and leaves the packets on the medium",
  ignore: notRoot,
  fn: () =>
    withWorld(async (w) => {
      await queueFiles(w, "bob", [["a.txt", new Uint8Array(10)], ["b.txt", new Uint8Array(10)]]);
      const { ctx: alice } = await nodeContext(w.alice);
      await xfer(alice, w.media, {
        rx: false,
        tx: true,
        mkdir: true,
        keep: false,
        progress: false,
      });
      const onMedium = await packetsIn(mediaDir(w, "bob", "alice"));
      assertEquals(onMedium.length, 2);
      await withTmpfs(w.bob.spool, 1, async () => {
        const r = await ferryRun(w.bob, ["xfer", "--rx", w.media]);
        assertEquals(r.code, 1, r.stderr);
        assertEquals(r.stderr.match(/error xfer-rx-no-space /g)?.length, 2, r.stderr);
        assertEquals(await packetsIn(mediaDir(w, "bob", "alice")), onMedium, "still on the medium");
        assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), []);

        await sh("mount", ["-o", "remount,size=64m", w.bob.spool]);
        await ferryOk(w.bob, ["xfer", "--rx", w.media]);
        assertEquals(await packetsIn(queueDir(w.bob, "alice", "rx")), onMedium);
        assertEquals(await packetsIn(mediaDir(w, "bob", "alice")), []);
      });
    }),
});

Deno.test({
  name: "ferry file into a full spool fails with a clear message and leaves no partial packet",
  ignore: notRoot,
  fn: () =>
    withWorld(async (w) => {
      await Deno.writeFile(`${w.root}/doc.bin`, patternBytes(100_000, 42));
      await withTmpfs(w.alice.spool, 1, async () => {
        const known = await ferryRun(w.alice, ["file", `${w.root}/doc.bin`, "bob:"]);
        assertEquals(known.code, 1, known.stderr);
        assert(known.stderr.includes("not enough space in the spool"), known.stderr);

        // From standard input the size is unknown until the disk fills up mid-write.
        const piped = await ferryRun(
          w.alice,
          ["file", "-", "bob:piped.bin"],
          patternBytes(2 * MiB, 43),
        );
        assertEquals(piped.code, 1, piped.stderr);
        assert(piped.stderr.includes("No space left on device"), piped.stderr);
        assertEquals(await namesIn(`${w.alice.spool}/tmp`), [], "the partial packet is removed");
        assertEquals(await packetsIn(queueDir(w.alice, "bob", "tx")), []);
      });
    }),
});

Deno.test({
  name:
    "xfer --tx onto a full medium sends what fits, keeps the rest queued, and leaves no partial copy",
  ignore: notRoot,
  fn: () =>
    withWorld(async (w) => {
      await queueFiles(w, "bob", [["big.bin", patternBytes(5 * MiB, 44)], [
        "a.txt",
        new Uint8Array(10),
      ]]);
      const queued = await packetsIn(queueDir(w.alice, "bob", "tx"));
      await withTmpfs(w.media, 4, async () => {
        const r = await ferryRun(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
        assertEquals(r.code, 0, r.stderr);
        assert(/warn xfer-tx-no-room .*the medium is full/.test(r.stderr), r.stderr);
        const sent = await namesIn(mediaDir(w, "bob", "alice"));
        assertEquals(sent.length, 1, "only the small packet, no temporary file");
        const left = await packetsIn(queueDir(w.alice, "bob", "tx"));
        assertEquals([...sent, ...left].sort(), queued, "each packet in exactly one place");
      });
    }),
});
