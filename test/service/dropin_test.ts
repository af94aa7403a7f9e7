/**
 * The drop-in `ferry systemd-dropin` writes: every folder the configuration
 * makes ferry write to is writable, and systemd reads the file without a
 * complaint (checked with the real `systemd-analyze verify`).
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, REPO_ROOT, run, withTempDir } from "../helpers.ts";
import { parseConfig, renderNewConfig } from "../../src/config/mod.ts";
import { renderDropIn, writablePaths } from "../../src/service/mod.ts";

function configWithEverything(root: string): string {
  return renderNewConfig({ name: "shed", spool: `${root}/spool`, incoming: "/srv/ferry/in" })
    .replace(
      "toss: {",
      `queues: [ { dir: "/var/spool/ferry/jobs", command: ["true"] } ]
    sync-folders: [ { path: "/srv/sync/ferry", nodes: [] } ]
    media: { mounts: ["/media/ferry-*", "/mnt/stick"] }
    toss: {`,
    );
}

Deno.test("the writable folders are derived from the configuration: spool, log, incoming, queues, sync folders, media", () => {
  const { config } = parseConfig(configWithEverything("/var/spool/x"), "shed.hjson");
  const paths = writablePaths(config).map((p) => `${p.path} <- ${p.from}`);
  assertEquals(paths, [
    "/var/spool/x/spool <- spool",
    "/srv/ferry/in <- neigh.self.incoming",
    "/var/spool/ferry/jobs <- ferry.queues[0].dir",
    "/srv/sync/ferry <- ferry.sync-folders[0].path",
    "/media <- ferry.media.mounts[0]",
    "/mnt <- ferry.media.mounts[1]",
  ]);
  const text = renderDropIn(writablePaths(config), (p) => p !== "/srv/sync/ferry", "shed.hjson");
  assertStringIncludes(text, "ReadWritePaths=/srv/ferry/in\n");
  assertStringIncludes(text, "ReadWritePaths=-/srv/sync/ferry\n");
});

Deno.test("ferry systemd-dropin --output writes a drop-in that systemd-analyze verify accepts", async () => {
  await withTempDir(async (dir) => {
    const cfg = `${dir}/shed.hjson`;
    await Deno.writeTextFile(cfg, configWithEverything(dir), { mode: 0o600 });
    await Deno.chmod(cfg, 0o600);
    await Deno.mkdir(`${dir}/spool`);
    const units = `${dir}/units`;
    await Deno.mkdir(units);
    const unit = await Deno.readTextFile(`${REPO_ROOT}/systemd/ferry-agent.service`);
    // the unit as installed, but pointing at a program that exists here
    await Deno.writeTextFile(
      `${units}/ferry-agent.service`,
      unit.replace(/^ExecStart=.*$/m, "ExecStart=/bin/true"),
    );
    const dropIn = `${units}/ferry-agent.service.d/ferry-paths.conf`;
    const out = await ferry(["--config", cfg, "systemd-dropin", "--output", dropIn]);
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "dropin-missing-folder");
    const text = await Deno.readTextFile(dropIn);
    assertStringIncludes(text, `ReadWritePaths=${dir}/spool`);
    assertStringIncludes(text, "ReadWritePaths=-/srv/sync/ferry");
    const verify = async () =>
      await run("systemd-analyze", ["verify", `${units}/ferry-agent.service`], {
        env: { SYSTEMD_UNIT_PATH: `${units}:`, PATH: "/usr/bin:/bin" },
      });
    const good = await verify();
    assert(!good.stderr.includes("ferry-paths.conf"), good.stderr);
    // the check can fail: a broken line in the drop-in is reported
    await Deno.writeTextFile(
      dropIn,
      text.replace(`ReadWritePaths=${dir}/spool`, "ReadWritePaths=spool"),
    );
    const bad = await verify();
    assertStringIncludes(bad.stderr, "ferry-paths.conf");
  });
});
