import { assertEquals, assertThrows } from "../assert.ts";
import { formatNiceness, parseNiceness } from "../../src/config/mod.ts";

Deno.test("niceness words and deltas parse as NNCP does, case insensitive", () => {
  const cases: [string | number, number][] = [
    ["F", 32],
    ["flash", 32],
    ["P", 96],
    ["PRIORITY", 96],
    ["n", 160],
    ["Normal", 160],
    ["B", 224],
    ["bulk", 224],
    ["MAX", 255],
    ["max", 255],
    ["F+5", 37],
    ["F-31", 1],
    ["F+32", 64],
    ["P+1", 97],
    ["B+31", 255],
    ["N-1", 159],
    ["1", 1],
    ["255", 255],
    [37, 37],
  ];
  for (const [text, nice] of cases) assertEquals(parseNiceness(text), nice, String(text));
});

Deno.test("niceness out of range or with a delta too big is refused", () => {
  for (const bad of ["0", "256", 0, 256, "F+33", "F-32", "B+32"]) {
    assertThrows(() => parseNiceness(bad), RangeError);
  }
  assertThrows(() => parseNiceness("URGENT"), SyntaxError, 'unknown niceness "URGENT"');
  assertThrows(() => parseNiceness("F+"), SyntaxError);
});

Deno.test("niceness formats the way nncp-stat prints it", () => {
  const cases: [number, string][] = [
    [1, "1"],
    [2, "F-30"],
    [31, "F-1"],
    [32, "F"],
    [64, "F+32"],
    [65, "65"],
    [66, "P-30"],
    [96, "P"],
    [128, "P+32"],
    [129, "129"],
    [160, "N"],
    [193, "193"],
    [194, "B-30"],
    [224, "B"],
    [254, "B+30"],
    [255, "MAX"],
  ];
  for (const [nice, text] of cases) assertEquals(formatNiceness(nice), text, String(nice));
  for (let nice = 1; nice <= 255; nice++) {
    assertEquals(parseNiceness(formatNiceness(nice)), nice, `round trip of ${nice}`);
  }
});
