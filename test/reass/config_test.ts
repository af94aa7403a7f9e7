/**
 * The settings of this feature in the `ferry` section: `toss.reass` and
 * `send.chunk-over`, their defaults, and errors with their key paths.
 */

import { assertEquals } from "../assert.ts";
import { IssueList } from "../../src/config/issues.ts";
import { chunkOverBytesDefault, readFerrySection } from "../../src/config/ferry_section.ts";
import { estimatePacketBytes } from "../../src/node/send.ts";

function read(ferry: unknown) {
  const issues = new IssueList();
  const settings = readFerrySection(issues, ferry === undefined ? {} : { ferry });
  return { settings, errors: issues.errors.map((e) => `${e.path}: ${e.message}`) };
}

Deno.test("by default toss reassembles and files over 4 GiB less 4 MiB go in chunks", () => {
  const { settings, errors } = read(undefined);
  assertEquals(errors, []);
  assertEquals(settings.toss.reass, true);
  assertEquals(settings.send.chunkOverBytes, 4 * 1024 ** 3 - 4 * 1024 ** 2);
  // A chunk's packet (tags and headers, wrapped for up to 4 relays) fits FAT32's 4 GiB - 1 byte.
  assertEquals(estimatePacketBytes(chunkOverBytesDefault, 0, 5) < 4 * 1024 ** 3, true);
});

Deno.test("ferry.toss.reass and ferry.send.chunk-over are read and checked with their key paths", () => {
  const ok = read({ toss: { reass: false }, send: { "chunk-over": 1048576 } });
  assertEquals(ok.errors, []);
  assertEquals(ok.settings.toss.reass, false);
  assertEquals(ok.settings.send.chunkOverBytes, 1048576);
  const bad = read({ toss: { reass: "sometimes" }, send: { "chunk-over": 10, chunks: 3 } });
  assertEquals(bad.errors.length, 3, bad.errors.join("\n"));
  assertEquals(bad.errors.some((e) => e.startsWith("ferry.toss.reass:")), true);
  assertEquals(bad.errors.some((e) => e.startsWith("ferry.send.chunk-over:")), true);
  assertEquals(bad.errors.some((e) => e.startsWith("ferry.send.chunks:")), true);
  assertEquals(read({ send: [] }).errors, ["ferry.send: must be an object { ... }"]);
});
