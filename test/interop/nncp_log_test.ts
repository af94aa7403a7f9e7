import { assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, NNCP_VECTORS, runOk, withTempDir } from "../helpers.ts";
import { formatRecord, humanizeRecord, NncpLog, parseRecords } from "../../src/log/nncp_log.ts";
import { humanBytes } from "../../src/log/humanize.ts";

async function nodeWithLog(dir: string, log: string): Promise<string> {
  const out = await ferry(["init", "--name", "n", "--spool", `${dir}/spool`, "--log", log]);
  assertEquals(out.code, 0, out.stderr);
  await Deno.mkdir(`${dir}/spool`);
  await Deno.writeTextFile(`${dir}/n.hjson`, out.stdout, { mode: 0o600 });
  return `${dir}/n.hjson`;
}

Deno.test("records ferry appends to the log are read by real nncp-log", async () => {
  await withTempDir(async (dir) => {
    const cfg = await nodeWithLog(dir, `${dir}/log`);
    const log = new NncpLog(`${dir}/log`);
    assertEquals(
      await log.write("rx", [["Node", "ABC"], ["Size", 4576], [
        "Msg",
        "Got file eggs.txt (4.5 KiB) from shed",
      ]]),
      null,
    );
    assertEquals(
      await log.write("rx-no-handle", [["Err", "No handle found"], [
        "Msg",
        "Tossing exec shed/XYZ",
      ]]),
      null,
    );
    const out = await runOk("nncp-log", ["-cfg", cfg]);
    const lines = out.stdout.trim().split("\n");
    assertEquals(lines.length, 2);
    assertStringIncludes(lines[0]!, "Got file eggs.txt (4.5 KiB) from shed");
    assertStringIncludes(lines[1]!, "Tossing exec shed/XYZ");
    assertStringIncludes(lines[1]!, "No handle found");
  });
});

Deno.test("ferry reads the logs NNCP wrote and renders them as nncp-log does", async () => {
  await withTempDir(async (dir) => {
    const text = await Deno.readTextFile(`${NNCP_VECTORS}/logs/bob.log`);
    const records = parseRecords(text);
    assertEquals(records.length, 60);
    await Deno.copyFile(`${NNCP_VECTORS}/logs/bob.log`, `${dir}/log`);
    const cfg = await nodeWithLog(dir, `${dir}/log`);
    const theirs = (await runOk("nncp-log", ["-cfg", cfg])).stdout.trim().split("\n");
    const ours = records.map(humanizeRecord);
    assertEquals(ours, theirs);
  });
});

Deno.test("record text round-trips, including multi-line fields", () => {
  const rec = formatRecord(
    "rx-handle",
    [["Output", ["line one", "line two"]], ["Msg", "m"]],
    new Date(Date.UTC(2026, 10, 25, 13, 8, 9, 794)),
  );
  assertStringIncludes(rec, "When: 2026-11-25T13:08:09.794Z\n");
  assertStringIncludes(rec, "Output: line one\n+ line two\n");
  assertEquals(parseRecords(rec)[0]!.get("Output"), "line one\nline two");
});

Deno.test("sizes print as NNCP prints them", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [9, "9 B"],
    [514, "514 B"],
    [1008, "1008 B"],
    [4576, "4.5 KiB"],
    [204800, "200 KiB"],
    [132568, "130 KiB"],
    [132348, "129 KiB"],
    [131584, "128 KiB"],
    [268435456, "256 MiB"],
  ];
  for (const [n, text] of cases) assertEquals(humanBytes(n), text);
});
