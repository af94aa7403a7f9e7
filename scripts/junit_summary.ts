/**
 * Reads the JUnit report `deno test --junit-path` wrote and prints one line,
 * `N passed, N failed` (plus `N ignored` when any were), counted from the
 * test cases themselves. Exits 1 when anything failed or nothing ran.
 *
 * Usage: deno run --allow-read scripts/junit_summary.ts test-results/junit.xml
 * @module
 */

const path = Deno.args[0] ?? "test-results/junit.xml";
let xml: string;
try {
  xml = await Deno.readTextFile(path);
} catch (err) {
  console.log("0 passed, 1 failed");
  console.error(`junit_summary: cannot read ${path}: ${(err as Error).message}`);
  Deno.exit(1);
}

let passed = 0;
let failed = 0;
let ignored = 0;
const caseRe = /<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const match of xml.matchAll(caseRe)) {
  const body = match[2] ?? "";
  if (/<failure\b|<error\b/.test(body)) failed++;
  else if (/<skipped\b/.test(body)) ignored++;
  else passed++;
}
console.log(`${passed} passed, ${failed} failed` + (ignored > 0 ? ` (${ignored} ignored)` : ""));
Deno.exit(failed > 0 || passed === 0 ? 1 : 0);
