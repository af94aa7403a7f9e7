/** `ferry pubkey` on a configuration made by nncp-cfgnew prints a stanza a peer can paste. */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, run, withTempDir } from "../helpers.ts";
import { parseConfig, renderNewConfig } from "../../src/config/mod.ts";

/** Pastes `stanza` into the neigh section of `config` text. */
function paste(config: string, stanza: string): string {
  return config.replace("  neigh: {\n", `  neigh: {\n${stanza}\n`);
}

Deno.test("pubkey on an nncp-cfgnew configuration never prints a self stanza, and the paste loads in ferry and NNCP", async () => {
  await withTempDir(async (dir) => {
    const made = await run("nncp-cfgnew", []);
    assertEquals(made.code, 0, made.stderr);
    const theirs = `${dir}/nncp.hjson`;
    await Deno.writeTextFile(
      theirs,
      made.stdout.replaceAll("/var/spool/nncp", `${dir}/spool`).replaceAll(
        "/var/spool/nncp/log",
        `${dir}/log`,
      ),
      { mode: 0o600 },
    );
    await Deno.chmod(theirs, 0o600);
    const plain = await ferry(["--config", theirs, "pubkey"]);
    assertEquals(plain.code, 0, plain.stderr);
    assert(!/^self\s*:/.test(plain.stdout), plain.stdout);
    const named = await ferry(["--config", theirs, "pubkey", "--name", "phone"]);
    assertEquals(named.code, 0, named.stderr);
    assert(named.stdout.startsWith("phone: {"), named.stdout);
    const refused = await ferry(["--config", theirs, "pubkey", "--name", "self"]);
    assertEquals(refused.code, 2);

    const house = paste(renderNewConfig({ name: "house", spool: `${dir}/house` }), named.stdout);
    const { config } = parseConfig(house, "house.hjson");
    assert(config.neigh.get("phone"), "the pasted stanza is a neighbour");
    await Deno.writeTextFile(`${dir}/house.hjson`, house, { mode: 0o600 });
    await Deno.chmod(`${dir}/house.hjson`, 0o600);
    await Deno.mkdir(`${dir}/house`);
    const nncpReads = await run("nncp-stat", ["-cfg", `${dir}/house.hjson`]);
    assertEquals(nncpReads.code, 0, nncpReads.stderr);
    assertStringIncludes(nncpReads.stdout, "phone");
  });
});

Deno.test("ferry.name may not be self", () => {
  const text = renderNewConfig({ name: "shed" }).replace('name: "shed"', 'name: "self"');
  try {
    parseConfig(text, "x.hjson");
    throw new Error("accepted");
  } catch (err) {
    assertStringIncludes((err as Error).message, 'ferry.name: must not be "self"');
  }
});
