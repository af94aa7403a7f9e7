/**
 * Media that fight back: a full stick, a read-only one, and sticks built to
 * hurt (symlinks, FIFOs, folders and garbage under packet names, a huge
 * sparse file, twenty thousand entries). Each session ends with a clear log
 * line, an intact spool, nothing touched outside the medium, and the good
 * packets on it imported.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry, runOk, withTempDir } from "../helpers.ts";
import { IDS, setupNodes } from "../nodes.ts";
import { rootOnly, withMounts } from "../media_hw/_mounts.ts";
import type { MediaSettings } from "../../src/config/ferry_media.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";
import { runMediaSession } from "../../src/media/mod.ts";
import { xfer } from "../../src/xfer/mod.ts";
import {
  assertIdsMatch,
  mediumDir,
  namesIn,
  openNode,
  packetsIn,
  queueDir,
  queueFiles,
} from "./_media.ts";

/** A session must end within this (loose: it only catches hangs). */
const sessionBoundMs = 60_000;
/** Entries in the crowded folder of the hostile stick. */
const crowdEntries = 20_000;

const SETTINGS: MediaSettings = {
  mounts: [],
  labels: [],
  nodes: [],
  keep: false,
  unmount: false,
  statusFile: true,
};

const randomId = () => encodeBase32(crypto.getRandomValues(new Uint8Array(32)));
const has = (lines: string[], pattern: RegExp) => lines.some((l) => pattern.test(l));
const assertLogged = (log: string, pattern: RegExp) =>
  assert(pattern.test(log), `no log line matches ${pattern}:\n${log.slice(-4000)}`);

async function timedSession(
  ctx: Parameters<typeof runMediaSession>[0],
  mountPoint: string,
  fsType: string,
) {
  const started = Date.now();
  const result = await runMediaSession(ctx, { mountPoint, fsType, readOnly: false }, SETTINGS);
  assert(Date.now() - started < sessionBoundMs, "the session took far too long");
  return result;
}

Deno.test({
  name:
    "a full stick gets the packets that fit, the rest stay queued with a no-room line, and its packets are imported",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        const toAlice = await queueFiles(bob.ctx, "alice", 2, 100_000, `${root}/b`, 21);
        const toBob = await queueFiles(alice.ctx, "bob", 10, 300_000, `${root}/a`, 22);
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick, "", 2);
        await xfer(bob.ctx, stick, { rx: false, tx: true, mkdir: true, keep: false });

        const result = await timedSession(alice.ctx, stick, "tmpfs");
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.imported?.received, 2);
        const sent = result.exported?.sent ?? 0;
        assert(sent > 0 && sent < 10, `sent ${sent}`);
        assertEquals(result.exported?.noRoom, 10 - sent);
        assert(result.problems.some((p) => p.includes("did not fit")), result.problems.join());
        assert(has(alice.lines, /^warn xfer-tx-no-room .*reason="the medium is full"/));
        assert(has(alice.lines, /^info medium-safe-to-remove .*did not fit/));
        const queued = await packetsIn(queueDir(alice.ctx, "bob", "tx"));
        const carried = await packetsIn(mediumDir(stick, "bob", "alice"));
        assertEquals(queued.length, 10 - sent);
        assertEquals([...queued, ...carried].sort(), toBob.map((f) => f.id).sort());
        await assertIdsMatch(queueDir(alice.ctx, "bob", "tx"));
        await assertIdsMatch(mediumDir(stick, "bob", "alice"));
        assertEquals(
          await packetsIn(queueDir(alice.ctx, "bob", "rx")),
          toAlice.map((f) => f.id).sort(),
        );
        const status = await Deno.readTextFile(`${stick}/FERRY-STATUS.txt`);
        assert(status.includes(`problem: ${10 - sent} packet(s) did not fit`), status);
      })
    ),
});

Deno.test({
  name:
    "a stick with no room at all is still flushed and called safe, says the status file was not written, and every packet stays queued",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const toBob = await queueFiles(alice.ctx, "bob", 3, 50_000, `${root}/a`, 23);
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick, "", 2);
        await Deno.mkdir(mediumDir(stick, "bob", "alice"), { recursive: true });
        const fill = await runOk("sh", ["-c", `head -c 4M /dev/zero > ${stick}/filler; true`]);
        assertEquals(fill.code, 0);
        const result = await timedSession(alice.ctx, stick, "tmpfs");
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.exported?.sent, 0);
        assertEquals(result.exported?.noRoom, 3);
        assert(result.problems.some((p) => p.includes("status file was not written")));
        assert(has(alice.lines, /^warn medium-status-failed /), alice.lines.join("\n"));
        assertEquals(
          await packetsIn(queueDir(alice.ctx, "bob", "tx")),
          toBob.map((f) => f.id).sort(),
        );
        await assertIdsMatch(queueDir(alice.ctx, "bob", "tx"));
        assertEquals(await namesIn(mediumDir(stick, "bob", "alice")), []);
      })
    ),
});

Deno.test({
  name:
    "ferry media on a read-only stick imports its packets, leaves them there, exports nothing and says so; again, it imports nothing twice",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        const toAlice = await queueFiles(bob.ctx, "alice", 2, 100_000, `${root}/b`, 24);
        const toBob = await queueFiles(alice.ctx, "bob", 2, 100_000, `${root}/a`, 25);
        const dev = await scope.ext4Loop("ro", "RO", 16);
        const stick = await scope.folder("stick");
        await scope.mount(dev, stick);
        await xfer(bob.ctx, stick, { rx: false, tx: true, mkdir: true, keep: false });
        await scope.unmount(stick);
        await scope.mount(dev, stick, "ro");
        const first = await ferry(["--config", nodes.alice!.cfg, "media", stick]);
        assertEquals(first.code, 0, first.stderr);
        assert(/warn medium-read-only /.test(first.stderr), first.stderr);
        assert(/medium-safe-to-remove .*imported=2 .*exported=0 /.test(first.stderr), first.stderr);
        const ids = toAlice.map((f) => f.id).sort();
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "rx")), ids);
        assertEquals(await packetsIn(mediumDir(stick, "alice", "bob")), ids);
        assertEquals(
          await packetsIn(queueDir(alice.ctx, "bob", "tx")),
          toBob.map((f) => f.id).sort(),
        );
        assertEquals((await namesIn(stick)).includes("FERRY-STATUS.txt"), false);
        const again = await ferry(["--config", nodes.alice!.cfg, "media", stick]);
        assertEquals(again.code, 0, again.stderr);
        assert(/medium-safe-to-remove .*imported=0 /.test(again.stderr), again.stderr);
        assert(/xfer-rx-have /.test(again.stderr), again.stderr);
        await assertIdsMatch(queueDir(alice.ctx, "bob", "rx"));
      })
    ),
});

Deno.test({
  name:
    "a hostile stick (symlinks, FIFOs, folders and garbage under packet names, a huge sparse file, 20k entries) is served in bounded time: only the good packets come in, nothing outside it is touched",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        const good = await queueFiles(bob.ctx, "alice", 3, 100_000, `${root}/b`, 26);
        const toBob = await queueFiles(alice.ctx, "bob", 3, 100_000, `${root}/a`, 27);
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick, "", 64);
        await xfer(bob.ctx, stick, { rx: false, tx: true, mkdir: true, keep: false });
        const inbox = mediumDir(stick, "alice", "bob");
        // One good packet is moved off the stick and linked back under another packet name.
        const outside = await scope.folder("outside");
        const [linked, damaged] = [good[1]!.id, good[2]!.id];
        await Deno.copyFile(`${inbox}/${linked}`, `${outside}/${linked}`);
        await Deno.remove(`${inbox}/${linked}`);
        await Deno.symlink(`${outside}/${linked}`, `${inbox}/${randomId()}`);
        // Another is damaged at its end: its header still checks, its bytes do not.
        const bytes = await Deno.readFile(`${inbox}/${damaged}`);
        bytes[bytes.length - 1]! ^= 0xff;
        await Deno.writeFile(`${inbox}/${damaged}`, bytes);
        await Deno.mkdir(`${inbox}/${randomId()}`);
        await runOk("mkfifo", [`${inbox}/${randomId()}`]);
        await Deno.writeFile(
          `${inbox}/${randomId()}`,
          crypto.getRandomValues(new Uint8Array(5000)),
        );
        await runOk("truncate", ["-s", "100G", `${inbox}/${randomId()}`]);
        // A sparse file under the limit that starts like a real packet: copying it would take ages.
        const holey = `${inbox}/${randomId()}`;
        await Deno.writeFile(holey, bytes.subarray(0, 4096));
        await runOk("truncate", ["-s", "20G", holey]);
        for (
          const name of ["..evil", "...", "notes.txt", randomId().toLowerCase(), "x".repeat(250)]
        ) {
          await Deno.writeTextFile(`${inbox}/${name}`, "not a packet");
        }
        for (let i = 0; i < crowdEntries; i++) {
          await Deno.writeFile(`${inbox}/${randomId()}`, new Uint8Array(0));
        }
        await Deno.mkdir(`${stick}/${IDS.alice}/${randomId()}`); // an unknown sender
        await Deno.symlink(outside, `${stick}/${IDS.alice}/${IDS.carol}`);
        // Export side: packet names taken by a symlink and a FIFO; carol's folder is a symlink.
        const outbox = mediumDir(stick, "bob", "alice");
        await Deno.mkdir(outbox, { recursive: true });
        const victim = `${outside}/victim`;
        await Deno.writeTextFile(victim, "keep me");
        await Deno.symlink(victim, `${outbox}/${toBob[0]!.id}`);
        await runOk("mkfifo", [`${outbox}/${toBob[1]!.id}`]);
        await Deno.remove(`${stick}/${IDS.carol}`, { recursive: true });
        await Deno.symlink(outside, `${stick}/${IDS.carol}`);
        await Deno.symlink(victim, `${stick}/.FERRY-STATUS.txt.tmp`);
        await Deno.symlink(victim, `${stick}/FERRY-STATUS.txt`);
        const before = await namesIn(outside);

        const result = await timedSession(alice.ctx, stick, "tmpfs");
        const log = alice.lines.join("\n");
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.imported?.received, 1, log.slice(-3000));
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "rx")), [good[0]!.id]);
        await assertIdsMatch(queueDir(alice.ctx, "bob", "rx"));
        assertEquals(await namesIn(alice.ctx.spool.tmpDir), []);
        assertLogged(log, /error xfer-rx-bad-id .*bytes do not match/);
        // Past the first 20 warnings, skips are logged at debug level.
        assertLogged(log, /(warn|debug) xfer-rx-skip .*reason="not a regular file"/);
        assertLogged(log, /(warn|debug) xfer-rx-skip .*over the 64 GiB packet limit/);
        assertLogged(log, /(warn|debug) xfer-rx-skip .*not a valid packet for us/);
        assertLogged(log, /(warn|debug) xfer-rx-skip .*too short to be a packet/);
        assertLogged(log, /(warn|debug) xfer-rx-skip .*mostly holes \(4\.0 KiB stored of 20 GiB\)/);
        assertLogged(log, /warn xfer-rx-skipped .*only the first 20 were logged/);
        assert(
          alice.lines.filter((l) => l.startsWith("warn xfer-rx-skip ")).length <= 20,
        );
        assertLogged(log, /error xfer-tx-blocked .*pkt=/);
        assertLogged(log, /error xfer-tx-node node=carol .*not a real folder/);
        assertLogged(log, /info medium-safe-to-remove .*imported=1 .*exported=1 /);
        // The damaged packet is left where it was; the stick keeps every entry it had.
        assert((await namesIn(inbox)).includes(damaged));
        assert((await namesIn(inbox)).length >= crowdEntries + 10);
        // Only the packet whose name was free went out; the others stay queued.
        assertEquals(
          await packetsIn(queueDir(alice.ctx, "bob", "tx")),
          [
            toBob[0]!.id,
            toBob[1]!.id,
          ].sort(),
        );
        assertEquals(await packetsIn(outbox), [toBob[2]!.id]);
        await assertIdsMatch(outbox);
        // Nothing outside the stick changed.
        assertEquals(await Deno.readTextFile(victim), "keep me");
        assertEquals(await namesIn(outside), before);
        const status = await Deno.lstat(`${stick}/FERRY-STATUS.txt`);
        assert(status.isFile && !status.isSymlink, "the status file replaced the symlink");
      })
    ),
});

Deno.test({
  name:
    "a stick whose own folder is a symlink and whose status file name is a FIFO imports nothing, moves nothing out of the linked folder, and still finishes",
  ...rootOnly,
  fn: () =>
    withTempDir((root) =>
      withMounts(async (scope) => {
        const nodes = await setupNodes(root, ["alice", "bob"]);
        const alice = await openNode(nodes.alice!.cfg);
        const bob = await openNode(nodes.bob!.cfg);
        await queueFiles(bob.ctx, "alice", 1, 50_000, `${root}/b`, 28);
        const toBob = await queueFiles(alice.ctx, "bob", 1, 50_000, `${root}/a`, 29);
        const outside = await scope.folder("outside");
        await xfer(bob.ctx, outside, { rx: false, tx: true, mkdir: true, keep: false });
        const before = await packetsIn(mediumDir(outside, "alice", "bob"));
        const stick = await scope.folder("stick");
        await scope.tmpfs(stick, "", 8);
        await Deno.symlink(`${outside}/${IDS.alice}`, `${stick}/${IDS.alice}`);
        await Deno.writeTextFile(`${stick}/${IDS.bob}`, "a file where bob's folder goes");
        await runOk("mkfifo", [`${stick}/.FERRY-STATUS.txt.tmp`]);

        const result = await timedSession(alice.ctx, stick, "tmpfs");
        const log = alice.lines.join("\n");
        assert(result.safeToRemove, result.problems.join("; "));
        assertEquals(result.imported?.received, 0);
        assertLogged(log, /warn xfer-rx-skip .*not a real folder/);
        assertLogged(log, /error xfer-tx-node node=bob .*not a real folder/);
        assertEquals(await packetsIn(mediumDir(outside, "alice", "bob")), before);
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "rx")), []);
        assertEquals(await packetsIn(queueDir(alice.ctx, "bob", "tx")), [toBob[0]!.id]);
        const status = await Deno.readTextFile(`${stick}/FERRY-STATUS.txt`);
        assert(status.includes("SAFE TO REMOVE"), status);
      })
    ),
});
