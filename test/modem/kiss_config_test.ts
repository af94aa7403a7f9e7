import { assert, assertEquals, assertThrows } from "../assert.ts";
import { NNCP_VECTORS } from "../helpers.ts";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function aliceWithLink(link: Json): Promise<string> {
  const cfg = JSON.parse(
    (await Deno.readTextFile(`${NNCP_VECTORS}/cfg/alice.hjson`)).replaceAll("@ROOT@", "/srv/t"),
  );
  cfg.ferry = { ...(cfg.ferry ?? {}), links: [{ node: "bob", port: "/dev/ttyACM0", ...link }] };
  return JSON.stringify(cfg);
}

Deno.test("ferry.links callsign and tnc parameters reach the KISS driver options", async () => {
  const cfg = parseConfig(
    await aliceWithLink({
      modem: "kiss",
      callsign: "n0call-7",
      options: { tnc: { txDelayMs: 250, persistence: 63 } },
    }),
    "alice.hjson",
  );
  assertEquals(cfg.config.ferry.links[0]!.options, {
    callsign: "n0call-7",
    tnc: { txDelayMs: 250, persistence: 63 },
  });
});

Deno.test("ferry.links callsign is refused on other modems and when malformed, with its key path", async () => {
  const bad1 = await aliceWithLink({ modem: "rn2483", callsign: "N0CALL" });
  const e1 = assertThrows(() => parseConfig(bad1, "alice.hjson"), ConfigError).issues;
  assert(
    e1.some((i) => i.path === "ferry.links[0].callsign" && i.message.includes("modem: kiss")),
    JSON.stringify(e1),
  );
  const bad2 = await aliceWithLink({ modem: "kiss", callsign: "N0CALL-99" });
  const e2 = assertThrows(() => parseConfig(bad2, "alice.hjson"), ConfigError).issues;
  assert(
    e2.some((i) => i.path === "ferry.links[0].callsign" && i.message.includes("SSID")),
    JSON.stringify(e2),
  );
});

Deno.test("the README's KISS link example loads (with the vector node bob for barn)", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.split("### KISS TNCs, AX.25 and the law")[1] ?? "";
  const block = section.split("```hjson\n")[1]?.split("```")[0];
  assert(block, "the README has the hjson example");
  const alice = JSON.parse(
    (await Deno.readTextFile(`${NNCP_VECTORS}/cfg/alice.hjson`)).replaceAll("@ROOT@", "/srv/t"),
  );
  const text = JSON.stringify(alice).slice(0, -1) + ",\nferry: {\n" +
    block.replace("node: barn", "node: bob") + "\n}\n}";
  const { config } = parseConfig(text, "readme.hjson");
  const link = config.ferry.links[0]!;
  assertEquals([link.modem, link.bitRate, link.dutyCycle], ["kiss", 1200, 0.1]);
  assertEquals(link.options, {
    callsign: "N0CALL-1",
    tnc: { txDelayMs: 300, persistence: 63, slotTimeMs: 100, txTailMs: 20, fullDuplex: false },
  });
});
