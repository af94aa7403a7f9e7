/**
 * `deno task bench`: ferry side by side with NNCP's own tools (and the other
 * anchors) on the same input in one run. Prints Markdown tables with time
 * ratios and peak RSS; paste the output into the README.
 *
 * Usage: deno task bench [--quick] [SECTION...]
 * @module
 */

import { type BenchContext, type BenchTable, renderTable } from "./bench/_harness.ts";
import { SECTIONS } from "./bench/index.ts";

const args = Deno.args.filter((a) => !a.startsWith("--"));
const quick = Deno.args.includes("--quick");
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const dir = await Deno.makeTempDir({ prefix: "ferry-bench-" });
const ctx: BenchContext = {
  dir,
  deno: Deno.execPath(),
  root,
  quick,
  say: (line) => console.error(`bench: ${line}`),
};

const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
const header = [
  `## Benchmarks`,
  "",
  `Run ${new Date().toISOString().slice(0, 10)} on ${Deno.build.arch} ${Deno.build.os}, ` +
  `${navigator.hardwareConcurrency} cores (${cpu.trim()}), Deno ${Deno.version.deno}` +
  (quick ? " (quick mode: small sizes)" : ""),
];
console.log(header.join("\n"));
let failed = false;
try {
  for (const [name, section] of SECTIONS) {
    if (args.length > 0 && !args.includes(name)) continue;
    ctx.say(`section ${name}`);
    let tables: BenchTable[];
    try {
      tables = await section(ctx);
    } catch (err) {
      failed = true;
      console.log(`\n### ${name}\n\nfailed: ${(err as Error).message}`);
      continue;
    }
    for (const table of tables) console.log("\n" + renderTable(table));
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
