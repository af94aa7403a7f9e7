import { assert, assertEquals } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { parseConfig } from "../../src/config/mod.ts";
import { encodeBase32 } from "../../src/encoding/base32.ts";

const EXPECTED_IDS: Record<string, string> = {
  alice: "36N53ZAS2X7GYXKZPGUGLRU53XIVNEQMRNLF5VTAQRQGVX54A3KQ",
  bob: "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q",
  carol: "ZLYDX7SAADK4JBTTZBMYIWVLJVC4YFOKIZEJDPE4Q7EPAH7V3P7A",
};
const AREA_ID = "PZLA5OWGJFJPBJ5ZLJGV6NAW735P64QRTUFCWHPM4T7UCYISTLLQ";

async function load(name: string) {
  const text = (await Deno.readTextFile(`${NNCP_VECTORS}/cfg/${name}.hjson`)).replaceAll(
    "@ROOT@",
    "/srv/ferry-test",
  );
  return parseConfig(text, `${name}.hjson`);
}

for (const name of Object.keys(EXPECTED_IDS)) {
  Deno.test(`the ${name} vector configuration loads and yields the node ids of the vectors README`, async () => {
    const { config, warnings } = await load(name);
    assertEquals(warnings, []);
    assertEquals(config.self?.idText, EXPECTED_IDS[name]);
    assertEquals(config.neigh.get("self")?.idText, EXPECTED_IDS[name]);
    for (const [peer, id] of Object.entries(EXPECTED_IDS)) {
      if (peer === name) continue;
      assertEquals(config.neigh.get(peer)?.idText, id, `neigh.${peer}.id`);
      assertEquals(config.neighById.get(id)?.name, peer);
    }
    const area = config.areas.get("testarea");
    assert(area, "areas.testarea is loaded");
    assertEquals(area.idText, AREA_ID);
    assertEquals(encodeBase32(area.id), AREA_ID);
    assertEquals(config.spool, `/srv/ferry-test/nodes/${name}/spool`);
  });
}

Deno.test("alice's vector configuration routes carol via bob and carries exec handles and freq", async () => {
  const { config } = await load("alice");
  const carol = config.neigh.get("carol")!;
  assertEquals(carol.via, ["bob"]);
  const bob = config.neigh.get("bob")!;
  assertEquals([...bob.exec.keys()].sort(), ["appender", "echo"]);
  assertEquals(bob.exec.get("echo"), ["/bin/echo"]);
  assertEquals(bob.freq?.path, "/srv/ferry-test/nodes/alice/pub");
  assertEquals(bob.incoming, "/srv/ferry-test/nodes/alice/incoming");
  assertEquals(bob.addrs, { lo: "127.0.0.1:5402" });
  assertEquals(config.areas.get("testarea")!.subs, ["bob"]);
});
