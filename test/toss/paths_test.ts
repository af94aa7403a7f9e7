import { assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { resolveInside, safeRelativeParts, UnsafePathError } from "../../src/toss/paths.ts";

Deno.test("packet paths with .., absolute paths, NUL bytes or nothing in them are refused", () => {
  for (
    const [bad, why] of [
      ["../etc/passwd", '".."'],
      ["a/../../b", '".."'],
      ["/etc/passwd", "is absolute"],
      ["a\0b", "NUL"],
      ["", "empty"],
      ["./", "names no file"],
      ["x".repeat(256), "longer than 255"],
    ] as const
  ) {
    assertThrows(() => safeRelativeParts(bad), UnsafePathError, why);
  }
  assertEquals(safeRelativeParts("a/./b//c.txt"), ["a", "b", "c.txt"]);
});

Deno.test("a path that leaves the folder through a symlink is refused", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/in`);
    await Deno.mkdir(`${dir}/outside`);
    await Deno.symlink(`${dir}/outside`, `${dir}/in/escape`);
    await assertRejects(
      () => resolveInside(`${dir}/in`, "escape/x.txt"),
      UnsafePathError,
      "through a symlink",
    );
    assertEquals(
      await resolveInside(`${dir}/in`, "sub/x.txt"),
      `${await Deno.realPath(dir)}/in/sub/x.txt`,
    );
  });
});
