/**
 * Reads the JUnit reports `deno test --junit-path` wrote and prints one line,
 * `N passed, N failed` (plus `N ignored` when any were), counted from the
 * test cases themselves over every report. Exits 1 when anything failed,
 * a report is missing, or nothing ran.
 *
 * Usage: deno run --allow-read scripts/junit_summary.ts REPORT.xml [REPORT.xml ...]
 * @module
 */

const paths = Deno.args.length > 0 ? Deno.args : ["test-results/junit.xml"];
let passed = 0;
let failed = 0;
let ignored = 0;
const caseRe = /<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const path of paths) {
  let xml: string;
  try {
    xml = await Deno.readTextFile(path);
  } catch (err) {
    failed++;
    console.error(`junit_summary: cannot read ${path}: ${(err as Error).message}`);
    continue;
  }
  for (const match of xml.matchAll(caseRe)) {
    const body = match[2] ?? "";
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) ignored++;
    else passed++;
  }
}
console.log(`${passed} passed, ${failed} failed` + (ignored > 0 ? ` (${ignored} ignored)` : ""));
Deno.exit(failed > 0 || passed === 0 ? 1 : 0);
