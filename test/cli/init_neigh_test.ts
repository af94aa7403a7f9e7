/** `ferry init --output` (mode 0600, owner, never over a file) and `ferry neigh add`. */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { loadConfig } from "../../src/config/mod.ts";

Deno.test("init --output writes mode 0600 atomically, loads without warnings, and never replaces a file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/shed.hjson`;
    const out = await ferry(["init", "--name", "shed", "--spool", `${dir}/spool`, "-o", path], {
      env: { PATH: "/usr/bin:/bin" },
    });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    const { warnings, config } = await loadConfig(path);
    assertEquals(warnings, []);
    assertEquals(config.ferry.name, "shed");
    const before = await Deno.readTextFile(path);
    const again = await ferry(["init", "--name", "other", "-o", path]);
    assertEquals(again.code, 1);
    assertStringIncludes(again.stderr, "exists already");
    assertEquals(await Deno.readTextFile(path), before);
    const noUser = await ferry(["init", "-o", `${dir}/x.hjson`, "--owner", "no-such-user-xyz"]);
    assertEquals(noUser.code, 2);
    assertStringIncludes(noUser.stderr, 'no user "no-such-user-xyz"');
    const ownerAlone = await ferry(["init", "--owner", "root"]);
    assertEquals(ownerAlone.code, 2);
    if (Deno.uid() === 0) {
      const owned = await ferry(["init", "-o", `${dir}/daemon.hjson`, "--owner", "daemon"]);
      assertEquals(owned.code, 0, owned.stderr);
      const info = await Deno.stat(`${dir}/daemon.hjson`);
      assert(info.uid !== 0, "owned by daemon");
      assertEquals(info.mode! & 0o777, 0o600);
    }
  });
});

Deno.test("neigh add puts a peer's pubkey stanza into neigh with incoming, keeping comments, mode and the rest", async () => {
  await withTempDir(async (dir) => {
    const shed = `${dir}/shed.hjson`;
    const house = `${dir}/house.hjson`;
    for (
      const [name, path, extra] of [["shed", shed, ["--incoming", "/srv/ferry/in"]], [
        "house",
        house,
        [],
      ]] as const
    ) {
      const r = await ferry([
        "init",
        "--name",
        name,
        "--spool",
        `${dir}/${name}`,
        ...extra,
        "-o",
        path,
      ]);
      assertEquals(r.code, 0, r.stderr);
    }
    const pub = await ferry(["--config", house, "pubkey"]);
    assertEquals(pub.code, 0, pub.stderr);
    const added = await ferry(["--config", shed, "neigh", "add", "house"], { stdin: pub.stdout });
    assertEquals(added.code, 0, added.stderr);
    const text = await Deno.readTextFile(shed);
    assertStringIncludes(text, "# DO NOT show anyone your private keys!");
    assertEquals((await Deno.stat(shed)).mode! & 0o777, 0o600);
    const { config, warnings } = await loadConfig(shed);
    assertEquals(warnings, []);
    assertEquals(config.neigh.get("house")?.incoming, "/srv/ferry/in");
    const twice = await ferry(["--config", shed, "neigh", "add", "house"], { stdin: pub.stdout });
    assertEquals(twice.code, 1);
    assertStringIncludes(twice.stderr, "already");
    const garbage = await ferry(["--config", shed, "neigh", "add", "x"], { stdin: "hello {" });
    assertEquals(garbage.code, 2);
    const wrongKey = pub.stdout.replace(/exchpub: [A-Z2-7]{4}/, "exchpub: AAAA");
    const bad = await ferry(["--config", shed, "neigh", "add", "y"], { stdin: wrongKey });
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, "neigh.y");
    assertEquals(await Deno.readTextFile(shed), text, "a refused stanza leaves the file alone");
  });
});
