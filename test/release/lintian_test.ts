/**
 * lintian finds no errors and no warnings in either Debian package (the
 * overrides in scripts/deb/lintian-overrides each state their reason).
 * @module
 */

import { assertEquals } from "../assert.ts";
import { run } from "../helpers.ts";
import { buildDeb } from "./_release.ts";

const hasLintian = (await run("sh", ["-c", "command -v lintian"])).code === 0;

for (const arch of ["x64", "arm64"] as const) {
  Deno.test({
    name: `lintian: the ${arch} package has no errors or warnings`,
    ignore: !hasLintian,
    fn: async () => {
      const deb = await buildDeb(arch);
      const r = await run("lintian", ["--fail-on", "error,warning", deb]);
      const tags = r.stdout.split("\n").filter((l) => /^[EW]: /.test(l));
      assertEquals([r.code, tags], [0, []]);
    },
  });
}
