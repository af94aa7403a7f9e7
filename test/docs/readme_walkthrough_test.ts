/**
 * The README's install and quick start, followed literally on this machine
 * as a new user would, ending with files exchanged with a stock NNCP node in
 * both directions.
 *
 * What is real: a fresh system user (a unique name standing in for
 * `ferry`), every README command after `scripts/install.sh` run as written
 * (root's lines as root, the quick start as that user through `runuser`),
 * ferry run through a wrapper like the one install.sh writes, and the house
 * running the Debian `nncp-*` programs. What is substituted: the paths live
 * under a temporary root (`/var/spool/ferry` → `ROOT/var/spool/ferry`, ...),
 * `install.sh` itself is not run (it would change this machine's
 * /usr/local/bin and units; the test makes the folders and user it makes),
 * `systemctl` lines are not run (no systemd here; the drop-in they load is
 * checked by test/service/dropin_test.ts), and `ferry link` needs a radio.
 * Everything it creates, the user included, is removed afterwards.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { REPO_ROOT, run, type RunResult } from "../helpers.ts";

const isRoot = Deno.uid() === 0;

/** The ```sh blocks of the README section titled `title`. */
async function shBlocks(title: string): Promise<string[][]> {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const start = readme.indexOf(`\n## ${title}\n`);
  assert(start >= 0, `README has a section ${title}`);
  const end = readme.indexOf("\n## ", start + 4);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!.split("\n").map((l) => l.trim()).filter((l) => l !== "")
  );
}

function runOk(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

Deno.test({
  name: "the README install and quick start work as written, and exchange files with stock NNCP",
  ignore: !isRoot,
  async fn() {
    const user = `fh${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const root = await Deno.makeTempDir({ prefix: "ferry-readme-" });
    await Deno.chmod(root, 0o755);
    let userMade = false;
    try {
      // What scripts/install.sh makes: the user, its folders, and the ferry wrapper.
      runOk(
        await run("useradd", [
          "--system",
          "--user-group",
          "--home-dir",
          `${root}/var/lib/ferry`,
          "--no-create-home",
          "--shell",
          "/usr/sbin/nologin",
          user,
        ]),
        "useradd",
      );
      userMade = true;
      for (const d of ["etc/ferry", "var/spool/ferry", "var/lib/ferry"]) {
        runOk(
          await run("install", ["-d", "-m", "0750", "-o", user, "-g", user, `${root}/${d}`]),
          "install -d",
        );
      }
      const denoDir = `${root}/deno-dir`;
      const info = JSON.parse(runOk(await run(Deno.execPath(), ["info", "--json"]), "info").stdout);
      await Deno.mkdir(denoDir, { recursive: true });
      runOk(await run("cp", ["-a", info.npmCache, `${denoDir}/npm`]), "copy npm cache");
      runOk(await run("chmod", ["-R", "a+rX", denoDir]), "chmod");
      await Deno.mkdir(`${root}/bin`);
      await Deno.writeTextFile(
        `${root}/bin/ferry`,
        `#!/bin/sh\nexport DENO_DIR=${denoDir}\nexport DENO_NO_UPDATE_CHECK=1\n` +
          `exec ${Deno.execPath()} run --cached-only --frozen --quiet -A ` +
          `--config ${REPO_ROOT}/deno.json ${REPO_ROOT}/main.ts "$@"\n`,
        { mode: 0o755 },
      );
      const path = `${root}/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
      const swap = (line: string) =>
        line.replaceAll("/etc/ferry", `${root}/etc/ferry`)
          .replaceAll("/var/spool/ferry", `${root}/var/spool/ferry`)
          .replaceAll("/var/lib/ferry", `${root}/var/lib/ferry`)
          .replaceAll("/srv/ferry", `${root}/srv/ferry`)
          .replaceAll("/media/stick", `${root}/media/stick`)
          .replaceAll("/etc/systemd/system", `${root}/etc/systemd/system`)
          .replaceAll("--owner ferry", `--owner ${user}`)
          .replaceAll("-o ferry -g ferry", `-o ${user} -g ${user}`);

      // Install on a Pi, as root.
      // The checkout's block (the package's is run by test/release/deb_install_test.ts).
      const install = (await shBlocks("Install on a Pi")).find((b) =>
        b.some((l) => l.startsWith("bash scripts/install.sh"))
      );
      assert(install, "the install block");
      const skipped: string[] = [];
      for (const line of install) {
        if (/^(tar |bash scripts\/install\.sh|systemctl )/.test(line)) {
          skipped.push(line);
          continue;
        }
        await Deno.mkdir(`${root}/srv`, { recursive: true });
        runOk(await run("bash", ["-ec", swap(line)], { env: { PATH: path } }), swap(line));
      }
      assertEquals(skipped.length, 3, skipped.join("\n"));
      const cfg = `${root}/etc/ferry/ferry.hjson`;
      const st = await Deno.stat(cfg);
      assertEquals(st.mode! & 0o777, 0o600);
      assert(st.uid !== 0, "the configuration belongs to the service user");
      assertStringIncludes(
        await Deno.readTextFile(
          `${root}/etc/systemd/system/ferry-agent.service.d/ferry-paths.conf`,
        ),
        `ReadWritePaths=${root}/srv/ferry/in`,
      );
      // What the service (User=ferry) sees: it can read its configuration.
      runOk(
        await run("runuser", ["-u", user, "--", "ferry", "--config", cfg, "check"], {
          env: { PATH: path },
        }),
        "the service user reads the configuration",
      );

      // The house: a stock NNCP node.
      const house = `${root}/house`;
      await Deno.mkdir(`${house}/in`, { recursive: true });
      await Deno.mkdir(`${house}/spool`);
      const made = runOk(await run("nncp-cfgnew", []), "nncp-cfgnew").stdout;
      await Deno.writeTextFile(
        `${house}/nncp.hjson`,
        made.replaceAll("/var/spool/nncp", `${house}/spool`),
        { mode: 0o600 },
      );
      await Deno.chmod(`${house}/nncp.hjson`, 0o600);
      const home = `${root}/var/lib/ferry`;
      const pub = runOk(
        await run("ferry", ["--config", `${house}/nncp.hjson`, "pubkey", "--name", "house"], {
          env: { PATH: path },
        }),
        "house pubkey",
      ).stdout;
      await Deno.writeTextFile(`${home}/house.pub`, pub);
      await Deno.writeFile(`${home}/report.pdf`, crypto.getRandomValues(new Uint8Array(50_000)));
      await Deno.mkdir(`${root}/media/stick`, { recursive: true });
      runOk(await run("chown", ["-R", `${user}:${user}`, home, `${root}/media`]), "chown");

      // Quick start, as the service user, one shell as a person would type it.
      const [quick] = await shBlocks("Quick start");
      assert(quick);
      const typed = quick.filter((l) => !l.startsWith("ferry link "));
      assertEquals(quick.length - typed.length, 1, "only ferry link is left out");
      const script = typed.map(swap).join("\n");
      const ran = await run("runuser", ["-u", user, "--", "bash", "-ec", script], {
        cwd: home,
        env: { PATH: path, HOME: home },
      });
      runOk(ran, `quick start:\n${script}`);
      assert(!ran.stderr.includes("warn"), `no warnings: ${ran.stderr}`);

      // The house adds the shed (and a notify handler), then reads the stick with NNCP.
      runOk(
        await run(
          "ferry",
          ["--config", `${house}/nncp.hjson`, "neigh", "add", "shed", "--incoming", `${house}/in`],
          { env: { PATH: path }, stdin: await Deno.readTextFile(`${home}/shed.pub`) },
        ),
        "house neigh add shed",
      );
      const houseCfg = await Deno.readTextFile(`${house}/nncp.hjson`);
      await Deno.writeTextFile(
        `${house}/nncp.hjson`,
        houseCfg.replace(
          /(\n\s*shed: \{\n)/,
          `$1      exec: { notify: ["/bin/sh", "-c", "cat > ${house}/notified"] }\n`,
        ),
      );
      runOk(
        await run("nncp-xfer", ["-cfg", `${house}/nncp.hjson`, "-rx", `${root}/media/stick`]),
        "nncp-xfer -rx",
      );
      runOk(await run("nncp-toss", ["-cfg", `${house}/nncp.hjson`]), "nncp-toss");
      assertEquals(
        await Deno.readFile(`${house}/in/report.pdf`),
        await Deno.readFile(`${home}/report.pdf`),
      );
      assertEquals(await Deno.readTextFile(`${house}/notified`), "close the greenhouse\n");

      // And back: the house sends a file with NNCP; the shed takes it from the stick.
      await Deno.writeTextFile(`${house}/reply.txt`, "the greenhouse is closed\n");
      runOk(
        await run("nncp-file", ["-cfg", `${house}/nncp.hjson`, `${house}/reply.txt`, "shed:"]),
        "nncp-file",
      );
      runOk(
        await run("nncp-xfer", [
          "-cfg",
          `${house}/nncp.hjson`,
          "-tx",
          "-mkdir",
          `${root}/media/stick`,
        ]),
        "nncp-xfer -tx",
      );
      runOk(await run("chown", ["-R", `${user}:${user}`, `${root}/media`]), "chown stick");
      const back = await run(
        "runuser",
        ["-u", user, "--", "bash", "-ec", swap("ferry xfer /media/stick && ferry toss")],
        { cwd: home, env: { PATH: path, HOME: home, FERRY_CONFIG: cfg } },
      );
      runOk(back, "shed xfer and toss");
      assertEquals(
        await Deno.readTextFile(`${root}/srv/ferry/in/reply.txt`),
        "the greenhouse is closed\n",
      );
    } finally {
      if (userMade) await run("userdel", [user]);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "the old install step (a root shell redirecting init) is caught: the service user is told who and what",
  ignore: !isRoot,
  async fn() {
    const user = `fh${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const root = await Deno.makeTempDir({ prefix: "ferry-readme-" });
    await Deno.chmod(root, 0o755);
    let userMade = false;
    try {
      runOk(
        await run("useradd", ["--system", "--user-group", "--no-create-home", user]),
        "useradd",
      );
      userMade = true;
      const cfg = `${root}/ferry.hjson`;
      // `sudo -u ferry ferry init > FILE`: the root shell makes FILE, root:root.
      const made = await run(Deno.execPath(), [
        "run",
        "-A",
        "--quiet",
        `${REPO_ROOT}/main.ts`,
        "init",
        "--name",
        "shed",
      ]);
      await Deno.writeTextFile(cfg, made.stdout, { mode: 0o600 });
      await Deno.chmod(cfg, 0o600);
      const denoDir = `${root}/deno-dir`;
      const info = JSON.parse(runOk(await run(Deno.execPath(), ["info", "--json"]), "info").stdout);
      await Deno.mkdir(denoDir);
      runOk(await run("cp", ["-a", info.npmCache, `${denoDir}/npm`]), "copy npm cache");
      runOk(await run("chmod", ["-R", "a+rX", denoDir]), "chmod");
      const out = await run("runuser", [
        "-u",
        user,
        "--",
        "env",
        `DENO_DIR=${denoDir}`,
        Deno.execPath(),
        "run",
        "--cached-only",
        "--quiet",
        "-A",
        `${REPO_ROOT}/main.ts`,
        "--config",
        cfg,
        "check",
      ]);
      assertEquals(out.code, 1, out.stderr);
      assertStringIncludes(out.stderr, `permission denied for user ${user}`);
      assertStringIncludes(out.stderr, `${cfg} is a file owned by root with mode 0600`);
      assertStringIncludes(out.stderr, `chown ${user} ${cfg}`);
    } finally {
      if (userMade) await run("userdel", [user]);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "root working on the service user's spool is warned, and the service user is told what root left behind",
  ignore: !isRoot,
  async fn() {
    const user = `fh${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const root = await Deno.makeTempDir({ prefix: "ferry-readme-" });
    await Deno.chmod(root, 0o755);
    let userMade = false;
    try {
      runOk(
        await run("useradd", ["--system", "--user-group", "--no-create-home", user]),
        "useradd",
      );
      userMade = true;
      const denoDir = `${root}/deno-dir`;
      const info = JSON.parse(runOk(await run(Deno.execPath(), ["info", "--json"]), "info").stdout);
      await Deno.mkdir(denoDir);
      runOk(await run("cp", ["-a", info.npmCache, `${denoDir}/npm`]), "copy npm cache");
      runOk(await run("chmod", ["-R", "a+rX", denoDir]), "chmod");
      const ferryArgs = ["run", "--cached-only", "--quiet", "-A", `${REPO_ROOT}/main.ts`];
      const spool = `${root}/spool`;
      runOk(await run("install", ["-d", "-o", user, "-g", user, spool]), "install -d");
      const cfg = `${root}/ferry.hjson`;
      runOk(
        await run(Deno.execPath(), [
          ...ferryArgs,
          "init",
          "--name",
          "shed",
          "--spool",
          spool,
          "--output",
          cfg,
          "--owner",
          user,
        ], { env: { DENO_DIR: denoDir, PATH: "/usr/bin:/bin" } }),
        "init",
      );
      // root tosses on the user's spool: warned, and it leaves root-owned files behind
      const asRoot = await run(Deno.execPath(), [...ferryArgs, "--config", cfg, "toss"], {
        env: { DENO_DIR: denoDir, PATH: "/usr/bin:/bin" },
      });
      assertEquals(asRoot.code, 0, asRoot.stderr);
      assertStringIncludes(asRoot.stderr, "running-as-root");
      assertStringIncludes(asRoot.stderr, `runuser -u ${user} -- ferry`);
      // the service user meets them: the message names the user, the owner and the fix
      const asUser = await run("runuser", [
        "-u",
        user,
        "--",
        "env",
        `DENO_DIR=${denoDir}`,
        Deno.execPath(),
        ...ferryArgs,
        "--config",
        cfg,
        "toss",
      ]);
      assertEquals(asUser.code, 1, asUser.stderr);
      assertStringIncludes(asUser.stderr, "Permission denied");
      assertStringIncludes(asUser.stderr, `running as user ${user}`);
      assertStringIncludes(asUser.stderr, "owned by root");
      assertStringIncludes(asUser.stderr, `chown ${user} `);
    } finally {
      if (userMade) await run("userdel", [user]);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
