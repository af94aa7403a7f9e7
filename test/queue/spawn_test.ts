import { assert, assertEquals, assertThrows } from "../assert.ts";
import { mergeEnvironment, SpawnError, spawnProcess, waitProcess } from "../../src/queue/spawn.ts";

const enc = new TextEncoder();
const text = (list: Uint8Array[]) => list.map((e) => new TextDecoder().decode(e));

Deno.test("the child environment is the parent's plus the job's, which win, sorted by name bytes as fspl's", () => {
  const base = ["PATH=/bin", "ZED=1", "FSPL_SEQ=stale", "NOEQUALS", "A=x=y"].map((e) =>
    enc.encode(e)
  );
  const vars: [Uint8Array, Uint8Array][] = [
    [enc.encode("FSPL_SEQ"), enc.encode("7")],
    [enc.encode("FSPL_SET_RAW"), new Uint8Array([0xfe])],
    [enc.encode("B"), enc.encode("")],
  ];
  const merged = mergeEnvironment(base, vars);
  assertEquals(text(merged.filter((e) => !e.includes(0xfe))), [
    "A=x=y",
    "B=",
    "FSPL_SEQ=7",
    "PATH=/bin",
    "ZED=1",
  ]);
  assertEquals(merged[3], new Uint8Array([...enc.encode("FSPL_SET_RAW="), 0xfe]));
});

Deno.test("spawnProcess reports exit codes and signals, and refuses a missing program", async () => {
  const sh = (script: string) =>
    spawnProcess({
      file: enc.encode("sh"),
      argv: ["sh", "-c", script].map((a) => enc.encode(a)),
      env: [],
    });
  assertEquals(await waitProcess(sh("exit 3")), { code: 3, signal: null });
  assertEquals(await waitProcess(sh("kill -9 $$")), { code: null, signal: 9 });
  // Deno ignores SIGPIPE; the child must get it back at its default action (bit 13 of SigIgn clear).
  const out = await Deno.makeTempFile();
  try {
    assertEquals(await waitProcess(sh(`grep SigIgn /proc/$$/status > ${out}`)), {
      code: 0,
      signal: null,
    });
    const mask = BigInt("0x" + (await Deno.readTextFile(out)).trim().split(/\s+/)[1]);
    assertEquals(mask & (1n << 12n), 0n);
  } finally {
    await Deno.remove(out);
  }
  const err = assertThrows(
    () => spawnProcess({ file: enc.encode("/no/such/program"), argv: [], env: [] }),
    SpawnError,
  );
  assert(err.message.includes("No such file or directory"), err.message);
});
