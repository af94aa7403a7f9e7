import { assertEquals, assertThrows } from "../assert.ts";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";

const enc = new TextEncoder();

Deno.test("base32 matches the RFC 4648 test vectors without padding", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [plain, coded] of cases) {
    assertEquals(encodeBase32(enc.encode(plain)), coded);
    assertEquals(decodeBase32(coded), enc.encode(plain));
  }
});

Deno.test("base32 rejects lower case, padding and impossible lengths with the position", () => {
  assertThrows(() => decodeBase32("mzxw6"), SyntaxError, 'character "m" at position 0');
  assertThrows(() => decodeBase32("MZXW6==="), SyntaxError, 'character "=" at position 5');
  assertThrows(() => decodeBase32("MZX"), SyntaxError, "length 3 is impossible");
});
