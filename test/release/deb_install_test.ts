/**
 * The amd64 Debian package on this machine, as root: `dpkg -i`, then the
 * installed `ferry` makes a node with `ferry init` and exchanges files with a
 * stock NNCP node (`ferry file`/`xfer`/`toss` against `nncp-xfer`/`nncp-toss`/
 * `nncp-file`), `systemd-analyze verify` accepts the installed units, `dpkg -r`
 * leaves only the configuration and the spool, and `dpkg -P` leaves nothing.
 * The package is purged at the end whatever happens. Ignored when not root.
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT, run } from "../helpers.ts";
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

const isRoot = Deno.uid() === 0;
const hasDpkg = (await run("sh", ["-c", "command -v dpkg && command -v systemd-analyze"])).code ===
  0;

/** What the package installs, and what its maintainer scripts make. */
const PACKAGED = [
  "/opt/ferry/bin/deno",
  "/opt/ferry/app/main.ts",
  "/opt/ferry/deno-dir/npm",
  "/usr/bin/ferry",
  "/lib/systemd/system/ferry-agent.service",
  "/lib/systemd/system/ferry-media@.service",
  "/lib/udev/rules.d/90-ferry-media.rules",
  "/usr/share/doc/ferry/copyright",
  "/usr/share/man/man1/ferry.1.gz",
  "/var/lib/ferry",
];
const KEPT_ON_REMOVE = ["/etc/ferry", "/etc/default/ferry", "/var/spool/ferry"];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Every path on this machine's system folders whose name mentions ferry. */
async function ferryPaths(): Promise<string[]> {
  const r = await run("find", [
    "/etc",
    "/opt",
    "/usr",
    "/lib",
    "/var",
    "-xdev",
    "(",
    "-path",
    "/var/lib/dpkg",
    "-o",
    "-path",
    "/var/log",
    "-o",
    "-path",
    "/var/tmp",
    "-o",
    "-path",
    "/usr/local",
    ")",
    "-prune",
    "-o",
    "-name",
    "*ferry*",
    "-print",
  ]);
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

async function modeOwner(path: string): Promise<string> {
  return ok("stat", await run("stat", ["-c", "%a %U:%G", path])).stdout.trim();
}

Deno.test({
  name: "deb amd64: dpkg -i, init, file/toss with NNCP, units verify, remove keeps config, purge",
  ignore: !isRoot || !hasDpkg,
  sanitizeResources: true,
  sanitizeOps: true,
  fn: async (t) => {
    const already = await run("dpkg-query", ["-W", "-f=${Status}", "ferry"]);
    if (
      already.code === 0 && already.stdout.trim() !== "" && !/not-installed/.test(already.stdout)
    ) {
      throw new Error(
        `a ferry package is already on this machine (${already.stdout.trim()}): the test would ` +
          `purge it, so it refuses; remove it with dpkg -P ferry first`,
      );
    }
    const deb = await buildDeb("x64");
    const before = await ferryPaths();
    const tmp = await Deno.makeTempDir({ prefix: "ferry-deb-" });
    await Deno.chmod(tmp, 0o755);
    // Root's compile caches go under this HOME, not the machine's.
    const env = { ...Deno.env.toObject(), HOME: `${tmp}/home`, NO_PROGRESS: "1" };
    delete (env as Record<string, string | undefined>).XDG_CACHE_HOME;
    delete (env as Record<string, string | undefined>).FERRY_CACHE_DIR;
    const installed: FerryRunner = (args, stdin) =>
      run("/usr/bin/ferry", args, stdin !== undefined ? { env, stdin } : { env });
    try {
      await t.step("dpkg -i installs with no network, user, folders and conffiles", async () => {
        ok("dpkg -i", await run("dpkg", ["-i", deb]));
        for (const p of PACKAGED) assert(await exists(p), `${p} installed`);
        const id = ok("id ferry", await run("id", ["-nG", "ferry"])).stdout.trim().split(/\s+/);
        assert(id.includes("dialout"), `ferry in dialout: ${id}`);
        assertEquals(await modeOwner("/etc/ferry"), "2750 root:ferry");
        assertEquals(await modeOwner("/var/spool/ferry"), "750 ferry:ferry");
        assertEquals(await modeOwner("/var/lib/ferry"), "750 ferry:ferry");
        assertEquals(await modeOwner("/var/cache/ferry"), "750 ferry:ferry");
        assertEquals(await modeOwner("/usr/bin/ferry"), "755 root:root");
        const conffiles = await run("dpkg-query", ["-W", "-f=${Conffiles}", "ferry"]);
        assert(/^ \/etc\/default\/ferry [0-9a-f]{32}$/m.test(conffiles.stdout), conffiles.stdout);
        const version = ok("ferry --version", await installed(["--version"])).stdout.trim();
        assertEquals(version, deb.match(/ferry_([^_]+)_amd64\.deb$/)?.[1]);
        assert(await exists(`${tmp}/home/.cache/ferry/npm`), "root's caches under its HOME");
        // Everything it needs is in the package: it runs with no network at all.
        const offline = await run("unshare", ["--net", "/usr/bin/ferry", "--version"], { env });
        assertEquals([offline.code, offline.stdout.trim()], [0, version]);
        // The ferry user's runs keep their compile caches in /var/cache/ferry.
        const asFerry = await run("runuser", ["-u", "ferry", "--", "/usr/bin/ferry", "--version"], {
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        });
        assertEquals([asFerry.code, asFerry.stdout.trim()], [0, version]);
        assert(await exists("/var/cache/ferry/v8_code_cache_v2"), "V8 code cache for ferry");
      });

      await t.step("ferry init, then file/xfer/toss both ways with a stock NNCP node", async () => {
        const shed = await ferryNode(installed, tmp, "shed");
        const house = await nncpNode(tmp, "house");
        await introduceAll([shed, house]);
        const stick = `${tmp}/stick`;
        await Deno.mkdir(stick);
        const payload = "greenhouse report\n".repeat(1000);
        await Deno.writeTextFile(`${tmp}/report.txt`, payload);
        await ferryOk(shed, ["file", `${tmp}/report.txt`, "house:report.txt"]);
        await ferryOk(shed, ["exec", "house", "sink"], "close the vents\n");
        await ferryOk(shed, ["xfer", "--mkdir", stick]);
        await nncp(house, "nncp-xfer", ["-rx", stick]);
        await nncp(house, "nncp-toss", []);
        assertEquals(await readOr(`${house.incoming}/report.txt`), payload);
        assertEquals(await readOr(`${house.incoming}/../exec.out`), "close the vents\n");

        await Deno.writeTextFile(`${tmp}/reply.txt`, "vents closed\n");
        await nncp(house, "nncp-file", [`${tmp}/reply.txt`, "shed:reply.txt"]);
        await nncp(house, "nncp-xfer", ["-tx", "-mkdir", stick]);
        await ferryOk(shed, ["xfer", "--rx", stick]);
        await ferryOk(shed, ["toss"]);
        assertEquals(await readOr(`${shed.incoming}/reply.txt`), "vents closed\n");
      });

      await t.step("systemd-analyze verify accepts the installed units", async () => {
        const unit = await Deno.readTextFile("/lib/systemd/system/ferry-agent.service");
        assert(/^ExecStart=\/usr\/bin\/ferry /m.test(unit), "the agent runs /usr/bin/ferry");
        assert(/^CacheDirectory=ferry$/m.test(unit), "its compile caches stay writable");
        const r = await run("systemd-analyze", [
          "verify",
          "/lib/systemd/system/ferry-agent.service",
          "/lib/systemd/system/ferry-media@sda1.service",
        ]);
        assertEquals([r.code, r.stderr.trim()], [0, ""]);
      });

      await t.step(
        "the README's set-up: root makes the config for the ferry user, which reads it",
        async () => {
          // The README's package block, run by root as written (the package is
          // installed already; systemd does not run here).
          const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
          const section = readme.slice(readme.indexOf("\n## Install on a Pi\n"));
          const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split("\n")
            .map((l) => l.trim()).filter((l) => l !== "");
          assert(block[0]!.startsWith("apt install ./ferry_"), block[0]);
          // Folders the block makes, removed afterwards (only those that were not there).
          const made: string[] = [];
          for (const dir of ["/srv/ferry", "/etc/systemd/system/ferry-agent.service.d"]) {
            if (!await exists(dir)) made.push(dir);
          }
          try {
            for (const line of block) {
              if (/^(apt install|systemctl) /.test(line)) continue;
              ok(`README: ${line}`, await run("sh", ["-ec", line], { env }));
            }
            assertEquals(await modeOwner("/etc/ferry/ferry.hjson"), "600 ferry:ferry");
            assertEquals(await modeOwner("/srv/ferry/in"), "750 ferry:ferry");
            const dropin = await Deno.readTextFile(
              "/etc/systemd/system/ferry-agent.service.d/ferry-paths.conf",
            );
            assert(dropin.includes("ReadWritePaths=/srv/ferry/in"), dropin);
          } finally {
            for (const dir of made) await Deno.remove(dir, { recursive: true }).catch(() => {});
          }
          // The service's user reads it from the default path and finds the spool.
          const stat = await run("runuser", ["-u", "ferry", "--", "/usr/bin/ferry", "stat"], {
            env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
          });
          assertEquals([stat.code, stat.stderr], [0, ""]);
        },
      );

      await t.step(
        "installing again (an update) keeps the configuration, spool and caches",
        async () => {
          const config = await Deno.readTextFile("/etc/ferry/ferry.hjson");
          await Deno.writeTextFile("/var/spool/ferry/waiting", "packet\n");
          ok("dpkg -i again", await run("dpkg", ["-i", deb]));
          assertEquals(await Deno.readTextFile("/etc/ferry/ferry.hjson"), config);
          assertEquals(await readOr("/var/spool/ferry/waiting"), "packet\n");
          assertEquals(await modeOwner("/etc/ferry/ferry.hjson"), "600 ferry:ferry");
          assert(await exists("/var/cache/ferry/v8_code_cache_v2"), "the caches stay");
          const stat = await run("runuser", ["-u", "ferry", "--", "/usr/bin/ferry", "stat"], {
            env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
          });
          assertEquals([stat.code, stat.stderr], [0, ""]);
          await Deno.remove("/var/spool/ferry/waiting");
        },
      );

      await t.step("dpkg -r keeps only the configuration and the spool", async () => {
        await Deno.writeTextFile("/var/spool/ferry/kept", "packet\n");
        ok("dpkg -r", await run("dpkg", ["-r", "ferry"]));
        for (const p of PACKAGED) assert(!(await exists(p)), `${p} removed`);
        assert(!(await exists("/var/cache/ferry")), "caches removed");
        for (const p of KEPT_ON_REMOVE) assert(await exists(p), `${p} kept`);
        assertEquals(await readOr("/var/spool/ferry/kept"), "packet\n");
        const left = (await ferryPaths()).filter((p) => !before.includes(p));
        assertEquals(
          left.filter((p) => !KEPT_ON_REMOVE.some((k) => p === k || p.startsWith(`${k}/`))),
          [],
        );
      });

      await t.step("dpkg -P leaves nothing: files, folders, user and group gone", async () => {
        ok("dpkg -P", await run("dpkg", ["-P", "ferry"]));
        assertEquals(await ferryPaths(), before);
        assertEquals((await run("getent", ["passwd", "ferry"])).code, 2);
        assertEquals((await run("getent", ["group", "ferry"])).code, 2);
        const status = await run("dpkg-query", ["-W", "-f=${Status}", "ferry"]);
        assert(status.code !== 0 || /not-installed/.test(status.stdout), status.stdout);
      });
    } finally {
      await run("dpkg", ["-P", "ferry"]);
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
