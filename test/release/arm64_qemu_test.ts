/**
 * Smoke test of the arm64 Debian package on the emulated runtime
 * (`qemu-aarch64` with Debian's arm64 C library): the package is unpacked and
 * its own Deno runs its own app. Two nodes made with `ferry init` exchange a
 * file and an exec job by `xfer` and `toss`, and files with a stock NNCP node
 * (native `nncp-*`); a `ferry link` session over a socat pty pair goes through
 * the FFI serial binding, whose termios layout and constants are checked by
 * the packet arriving and by the host's `stty` reading back the line settings
 * the arm64 process made; and packet ids from the SIMD hasher equal the
 * fallback's (and the host's) on arm64.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";
import { startSocatPtyPair } from "../../hw/mock/mod.ts";
import { mthOf } from "../../src/packet/mth.ts";
import { decodeBase32 } from "../../src/encoding/base32.ts";
import {
  buildDeb,
  ferryNode,
  ferryOk,
  type FerryRunner,
  introduceAll,
  nncp,
  nncpNode,
  ok,
  readOr,
} from "./_release.ts";

/** Where Debian's cross packages put the arm64 C library. */
const QEMU_LD_PREFIX = "/usr/aarch64-linux-gnu";
/** Longest one emulated ferry run may take, in s (a run takes about 3 to 20 s here). */
const emulatedRunTimeoutSec = 300;
/** The link session's own limit, in s. */
const linkMaxSec = 180;
/** A speed no pty has by default, so the host sees the one ferry set. */
const linkBaud = 57600;

const has = async (cmd: string) => (await run("sh", ["-c", cmd])).code === 0;
const ready = await has(
  `command -v qemu-aarch64 && command -v dpkg-deb && command -v socat && command -v nncp-xfer ` +
    `&& test -e ${QEMU_LD_PREFIX}/lib/libc.so.6 && test -e ${QEMU_LD_PREFIX}/lib/libgcc_s.so.1`,
);

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test({
  name: "arm64 package under qemu-aarch64: init, file/exec/xfer/toss with ferry and NNCP, " +
    "link over a pty pair, SIMD ids equal the fallback's",
  ignore: !ready,
  sanitizeResources: true,
  sanitizeOps: true,
  fn: async (t) => {
    const deb = await buildDeb("arm64");
    const tmp = await Deno.makeTempDir({ prefix: "ferry-arm64-" });
    try {
      const root = `${tmp}/root`;
      ok("dpkg-deb -x", await run("dpkg-deb", ["-x", deb, root]));
      const opt = `${root}/opt/ferry`;
      const elf = ok("readelf", await run("readelf", ["-h", `${opt}/bin/deno`])).stdout;
      assert(/Machine:\s+AArch64/.test(elf), "the package's runtime is an arm64 binary");
      // The same flags the package's /usr/bin/ferry passes (from its /etc/default/ferry).
      const defaults = await Deno.readTextFile(`${root}/etc/default/ferry`);
      const v8Flags = defaults.match(/^FERRY_V8_FLAGS=(\S+)$/m)?.[1];
      assert(v8Flags, "etc/default/ferry sets FERRY_V8_FLAGS");
      // A compile cache the way /usr/bin/ferry makes one: npm packages linked from the package.
      const cache = `${tmp}/cache`;
      await Deno.mkdir(cache);
      await Deno.symlink(`${opt}/deno-dir/npm`, `${cache}/npm`);
      const env = {
        ...Deno.env.toObject(),
        QEMU_LD_PREFIX,
        DENO_DIR: cache,
        DENO_NO_UPDATE_CHECK: "1",
        NO_PROGRESS: "1",
      };
      const emulated = (denoArgs: string[], stdin?: string | Uint8Array) =>
        run("timeout", [
          "-k",
          "10",
          String(emulatedRunTimeoutSec),
          "qemu-aarch64",
          `${opt}/bin/deno`,
          ...denoArgs,
        ], stdin !== undefined ? { env, stdin } : { env });
      const ferry: FerryRunner = (args, stdin) =>
        emulated([
          "run",
          "--cached-only",
          "--frozen",
          "--quiet",
          "-A",
          `--v8-flags=${v8Flags}`,
          "--config",
          `${opt}/app/deno.json`,
          `${opt}/app/main.ts`,
          ...args,
        ], stdin);

      const arch = ok("deno eval", await emulated(["eval", "console.log(Deno.build.arch)"]));
      assertEquals(arch.stdout.trim(), "aarch64");

      const [a, b] = await Promise.all([ferryNode(ferry, tmp, "a"), ferryNode(ferry, tmp, "b")]);
      const house = await nncpNode(tmp, "house");
      await introduceAll([a, b, house]);
      const stick = `${tmp}/stick`;
      await Deno.mkdir(stick);
      const big = new Uint8Array(600 * 1024);
      for (let off = 0; off < big.length; off += 65536) {
        crypto.getRandomValues(big.subarray(off, off + 65536));
      }
      await Deno.writeFile(`${tmp}/big.bin`, big);
      await Deno.writeTextFile(`${tmp}/note.txt`, "for the house\n");
      await Deno.writeTextFile(`${tmp}/reply.txt`, "from the house\n");

      await t.step("file, exec and xfer between two arm64 nodes and NNCP, then toss", async () => {
        await ferryOk(a, ["file", `${tmp}/big.bin`, "b:big.bin"]);
        await ferryOk(a, ["exec", "b", "sink"], "job from a\n");
        await ferryOk(a, ["file", `${tmp}/note.txt`, "house:note.txt"]);
        await ferryOk(a, ["xfer", "--mkdir", stick]);
        // Keep copies of the packets a made, for the id check below.
        ok("cp", await run("sh", ["-c", `mkdir ${tmp}/made && cp ${stick}/*/*/* ${tmp}/made/`]));
        await nncp(house, "nncp-file", [`${tmp}/reply.txt`, "b:reply.txt"]);
        await nncp(house, "nncp-xfer", ["-mkdir", stick]);
        await nncp(house, "nncp-toss", []);
        assertEquals(await readOr(`${house.incoming}/note.txt`), "for the house\n");
        await ferryOk(b, ["xfer", "--rx", stick]);
        await ferryOk(b, ["toss"]);
        assertEquals(await Deno.readFile(`${b.incoming}/big.bin`), big);
        assertEquals(await readOr(`${b.incoming}/../exec.out`), "job from a\n");
        assertEquals(await readOr(`${b.incoming}/reply.txt`), "from the house\n");
      });

      await t.step("ferry link over a socat pty pair through the FFI serial binding", async () => {
        await Deno.writeTextFile(`${tmp}/over-the-air.txt`, "moved by the serial link\n");
        await ferryOk(b, ["file", `${tmp}/over-the-air.txt`, "a:over-the-air.txt"]);
        const pair = await startSocatPtyPair();
        try {
          const common = [
            "link",
            "--modem",
            "cable",
            "--baud",
            String(linkBaud),
            "--max-sec",
            String(linkMaxSec),
            "--status-sec",
            "30",
          ];
          const [ra, rb] = await Promise.all([
            ferry(["-c", a.cfg, ...common, "--node", "b", "--port", pair.paths[0]]),
            ferry(["-c", b.cfg, ...common, "--node", "a", "--port", pair.paths[1]]),
          ]);
          assertEquals(ra.code, 0, ra.stderr);
          assertEquals(rb.code, 0, rb.stderr);
          assert(/link-done .*reason=(idle|peer-bye)/.test(ra.stderr), ra.stderr.slice(-2000));
          // The host reads back what the arm64 process set through its termios struct.
          for (const path of pair.paths) {
            const stty = ok("stty", await run("stty", ["-F", path, "-a"])).stdout;
            assert(new RegExp(`speed ${linkBaud} baud`).test(stty), `${path}: ${stty}`);
            for (
              const flag of ["cs8", "-parenb", "-cstopb", "clocal", "cread", "-icanon", "-echo"]
            ) {
              assert(stty.split(/[\s;]+/).includes(flag), `${path} has ${flag}: ${stty}`);
            }
          }
        } finally {
          await pair.stop();
        }
        await ferryOk(a, ["toss"]);
        assertEquals(await readOr(`${a.incoming}/over-the-air.txt`), "moved by the serial link\n");
      });

      await t.step("packet ids from the SIMD hasher equal the fallback's on arm64", async () => {
        const packets = [...Deno.readDirSync(`${tmp}/made`)].map((e) => `${tmp}/made/${e.name}`);
        assertEquals(packets.length, 3, "the packets a made: file and exec for b, file for house");
        const r = ok(
          "hash check",
          await emulated([
            "run",
            "--cached-only",
            "--frozen",
            "--quiet",
            "-A",
            "--config",
            `${opt}/app/deno.json`,
            `${REPO_ROOT}/test/release/_arm64_hashes.ts`,
            `${opt}/app`,
            ...packets,
          ]),
        );
        const got = JSON.parse(r.stdout) as {
          arch: string;
          simd: boolean;
          leavesEqual: boolean;
          payloads: { size: number; simd: string; fallback: string }[];
          packets: { file: string; simd: string; fallback: string }[];
        };
        assertEquals([got.arch, got.simd, got.leavesEqual], ["aarch64", true, true]);
        assertEquals(got.payloads.length, 9);
        for (const p of got.payloads) assertEquals(p.simd, p.fallback, `${p.size} bytes`);
        for (const p of got.packets) {
          assertEquals(p.simd, p.fallback, p.file);
          // The host (x86-64) computes the same id, and it is the packet's name.
          assertEquals(hex(await mthOf(await Deno.readFile(p.file))), p.simd, p.file);
          const name = p.file.split("/").pop()!;
          assertEquals(hex(decodeBase32(name)), p.simd, `${name} is its id`);
        }
      });
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
