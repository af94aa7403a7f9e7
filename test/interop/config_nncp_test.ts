import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, run, runOk, withTempDir } from "../helpers.ts";
import { formatNiceness, nodeIdOf, parseConfig } from "../../src/config/mod.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";

Deno.test("a configuration made by real nncp-cfgnew loads and its ids match NNCP's", async () => {
  const made = await runOk("nncp-cfgnew", []);
  const { config } = parseConfig(made.stdout, "nncp-cfgnew.hjson");
  const written = /\bid: ([A-Z2-7]{52})/.exec(made.stdout)?.[1];
  assert(written, "nncp-cfgnew wrote an id");
  assertEquals(config.self?.idText, written);
  assertEquals(encodeBase32(nodeIdOf(config.self!.signPub)), written);
  assertEquals(config.neigh.get("self")?.idText, written);
  assertEquals(config.spool, "/var/spool/nncp");
});

Deno.test("nncp-cfgnew -nocomments output loads too", async () => {
  const made = await runOk("nncp-cfgnew", ["-nocomments"]);
  const { config } = parseConfig(made.stdout, "n.hjson");
  assert(config.self?.noisePrv, "noise keys are read");
});

async function initNode(dir: string, name: string): Promise<string> {
  const spool = `${dir}/${name}/spool`;
  await Deno.mkdir(spool, { recursive: true });
  const out = await ferry([
    "init",
    "--name",
    name,
    "--spool",
    spool,
    "--incoming",
    `${dir}/${name}/in`,
  ]);
  assertEquals(out.code, 0, out.stderr);
  const path = `${dir}/${name}.hjson`;
  await Deno.writeTextFile(path, out.stdout, { mode: 0o600 });
  return path;
}

/** Adds `stanza` (from `ferry pubkey`) into the `neigh` section of the file at `path`. */
async function addNeighbour(path: string, stanza: string, extra = ""): Promise<void> {
  const text = await Deno.readTextFile(path);
  const body = stanza.replace(/\n}\n$/, `\n  ${extra}\n}\n`);
  await Deno.writeTextFile(path, text.replace("  neigh: {\n", `  neigh: {\n${body}`));
}

Deno.test("a configuration from ferry init is accepted by nncp-stat", async () => {
  await withTempDir(async (dir) => {
    const cfg = await initNode(dir, "shed");
    const stat = await run("nncp-stat", ["-cfg", cfg]);
    assertEquals(stat.code, 0, stat.stderr);
    assertStringIncludes(stat.stdout, "self");
  });
});

Deno.test("two ferry init nodes exchange a file through real nncp-file, nncp-xfer and nncp-toss", async () => {
  await withTempDir(async (dir) => {
    const shed = await initNode(dir, "shed");
    const house = await initNode(dir, "house");
    const shedKey = await ferry(["--config", shed, "pubkey"]);
    const houseKey = await ferry(["--config", house, "pubkey"]);
    assertEquals(shedKey.code, 0, shedKey.stderr);
    assertStringIncludes(shedKey.stdout, "shed: {");
    await addNeighbour(shed, houseKey.stdout);
    await addNeighbour(house, shedKey.stdout, `incoming: "${dir}/house/in"`);
    await Deno.mkdir(`${dir}/house/in`, { recursive: true });
    // Both files still load in ferry after the paste.
    for (const cfg of [shed, house]) {
      const check = await ferry(["--config", cfg, "pubkey"]);
      assertEquals(check.code, 0, check.stderr);
    }
    await Deno.writeTextFile(`${dir}/note.txt`, "feed the chickens\n");
    await runOk("nncp-file", ["-cfg", shed, "-quiet", `${dir}/note.txt`, "house:note.txt"]);
    await Deno.mkdir(`${dir}/stick`);
    await runOk("nncp-xfer", ["-cfg", shed, "-quiet", "-mkdir", "-tx", `${dir}/stick`]);
    await runOk("nncp-xfer", ["-cfg", house, "-quiet", "-rx", `${dir}/stick`]);
    await runOk("nncp-toss", ["-cfg", house, "-quiet"]);
    assertEquals(await Deno.readTextFile(`${dir}/house/in/note.txt`), "feed the chickens\n");
  });
});

Deno.test("ferry formats niceness exactly as nncp-stat prints it", async () => {
  await withTempDir(async (dir) => {
    const cfg = await initNode(dir, "n");
    await Deno.writeTextFile(`${dir}/f`, "x");
    const levels = [1, 2, 31, 32, 33, 64, 65, 66, 96, 128, 129, 160, 193, 194, 224, 254, 255];
    for (const nice of levels) {
      await runOk("nncp-file", ["-cfg", cfg, "-quiet", "-nice", String(nice), `${dir}/f`, "self:"]);
    }
    const stat = await runOk("nncp-stat", ["-cfg", cfg, "-pkt"]);
    const printed = [...stat.stdout.matchAll(/\(nice: ([^)]+)\)/g)].map((m) => m[1]!.trim()).sort();
    assertEquals(printed, levels.map(formatNiceness).sort());
  });
});
