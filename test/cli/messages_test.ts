/** Messages a person reads: byte counts with units on a terminal, operating-system errors in words. */

import { assertEquals, assertStringIncludes } from "../assert.ts";
import { ferry, withTempDir } from "../helpers.ts";
import { formatLine } from "../../src/log/logger.ts";
import { describeOsError } from "../../src/fsutil/os_errors.ts";
import { renderNewConfig } from "../../src/config/mod.ts";

Deno.test("log lines carry units for byte counts when a person reads them, exact numbers otherwise", () => {
  const fields = { pkt: "X", size: 157286400, free: 3, doneBytes: 4608, packets: 7 };
  assertEquals(
    formatLine("info", "rx", fields, true),
    'info rx pkt=X size="150 MiB" free="3 B" doneBytes="4.5 KiB" packets=7',
  );
  assertEquals(
    formatLine("info", "rx", fields),
    "info rx pkt=X size=157286400 free=3 doneBytes=4608 packets=7",
  );
});

Deno.test("operating-system errors are said in words, naming the operation and the path", () => {
  const missing = new Deno.errors.NotFound("No such file or directory (os error 2): stat 'x'");
  assertEquals(describeOsError(missing), "cannot stat x: No such file or directory");
  const denied = new Deno.errors.PermissionDenied(
    "Permission denied (os error 13): open '/etc/shadow'",
  );
  const text = describeOsError(denied)!;
  assertStringIncludes(text, "cannot open /etc/shadow: Permission denied (running as user ");
  assertStringIncludes(text, "owned by root");
  assertEquals(describeOsError(new Error("something else")), undefined);
});

Deno.test("ferry file with a missing source says which file, without the raw os error", async () => {
  await withTempDir(async (dir) => {
    const cfg = `${dir}/n.hjson`;
    await Deno.writeTextFile(cfg, renderNewConfig({ name: "n", spool: `${dir}/spool` }), {
      mode: 0o600,
    });
    await Deno.chmod(cfg, 0o600);
    const out = await ferry(["--config", cfg, "file", `${dir}/nope.txt`, "self:"]);
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr.trim(),
      `ferry: cannot stat ${dir}/nope.txt: No such file or directory`,
    );
  });
});
