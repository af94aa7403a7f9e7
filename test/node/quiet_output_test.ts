/**
 * Progress bars are for people at a terminal: in pipes, cron jobs and
 * systemd units ferry prints only its log lines.
 */

import { assert, assertEquals } from "../assert.ts";
import { REPO_ROOT } from "../helpers.ts";
import { ferryOk, patternBytes, withWorld } from "./_world.ts";

const ESC = String.fromCharCode(27);
const LOG_LINE = /^(error|warn|info|debug) [a-z][a-z-]*( |$)/;

function onlyLogLines(stderr: string, what: string) {
  const control = stderr.includes("\r") || stderr.includes(ESC);
  assert(!control, `${what} wrote control characters: ${JSON.stringify(stderr)}`);
  for (const line of stderr.split("\n").filter((l) => l !== "")) {
    assert(LOG_LINE.test(line), `${what} wrote something that is not a log line: ${line}`);
  }
}

Deno.test("xfer and toss print only log lines when standard error is not a terminal, and bars on one", async () => {
  await withWorld(async (w) => {
    await Deno.writeFile(`${w.root}/big.bin`, patternBytes(3 * 1024 * 1024, 51));
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:"]);
    await ferryOk(w.alice, ["file", `${w.root}/big.bin`, "bob:again.bin"]);

    const tx = await ferryOk(w.alice, ["xfer", "--mkdir", "--tx", w.media]);
    assertEquals(tx.stdout, "");
    onlyLogLines(tx.stderr, "xfer --tx");
    assert(tx.stderr.includes("info xfer-tx "), tx.stderr);

    // On a terminal (a pty from script(1)) the same copy draws a bar.
    const cmd =
      `${Deno.execPath()} run -A --quiet ${REPO_ROOT}/main.ts -c ${w.bob.cfg} xfer --rx ${w.media}`;
    const tty = await new Deno.Command("script", {
      args: ["-qec", cmd, "/dev/null"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const ttyText = new TextDecoder().decode(tty.stdout);
    assertEquals(tty.code, 0, ttyText);
    const bar = /\r(rx|tx) [A-Z2-7]+ \[[#-]+\] \d+%/.test(ttyText) && ttyText.includes(`${ESC}[K`);
    assert(bar, JSON.stringify(ttyText));

    const toss = await ferryOk(w.bob, ["toss"]);
    assertEquals(toss.stdout, "");
    onlyLogLines(toss.stderr, "toss");
    assert(toss.stderr.includes("info rx "), toss.stderr);
  });
});
