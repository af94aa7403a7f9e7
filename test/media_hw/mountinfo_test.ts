import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  decodeMountinfoField,
  MountinfoSyntaxError,
  parseMountinfoLine,
} from "../../hw/media/mountinfo.ts";
import {
  MountinfoParseCache,
  procMountinfo,
  readMountinfo,
  textMountinfo,
} from "../../hw/media/mountinfo_reader.ts";

Deno.test("the real /proc/self/mountinfo parses with no malformed line and has the root", async () => {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  const snap = await readMountinfo(procMountinfo());
  assertEquals(snap.errors, []);
  assertEquals(snap.truncated, false);
  assertEquals(snap.mounts.length, text.trimEnd().split("\n").length);
  const root = snap.mounts.find((m) => m.mountPoint === "/");
  assert(root !== undefined, "no mount at /");
  assert(/^\d+:\d+$/.test(root.majorMinor));
  assert(snap.mounts.some((m) => m.fsType === "proc" && m.mountPoint === "/proc"));
});

Deno.test("a mountinfo line with every field parses into its parts", () => {
  const m = parseMountinfoLine(
    "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue",
    1,
  );
  assertEquals(m, {
    mountId: 36,
    parentId: 35,
    majorMinor: "98:0",
    root: "/mnt1",
    mountPoint: "/mnt2",
    options: ["rw", "noatime"],
    optionalFields: ["master:1", "shared:7"],
    fsType: "ext3",
    source: "/dev/root",
    superOptions: ["rw", "errors=continue"],
  });
});

Deno.test("octal escapes for space, tab, newline and backslash decode in paths and source", () => {
  const m = parseMountinfoLine(
    String
      .raw`50 27 0:44 / /media/my\040stick\011tab\012line\134back rw - vfat /dev/sd\040b1 rw,fmask=0022`,
    3,
  );
  assertEquals(m.mountPoint, "/media/my stick\ttab\nline\\back");
  assertEquals(m.source, "/dev/sd b1");
  assertEquals(m.optionalFields, []);
  assertEquals(decodeMountinfoField(String.raw`caf\303\251`), "café");
});

Deno.test("an empty source field, as the kernel prints for a sourceless mount, is accepted", () => {
  const m = parseMountinfoLine("60 27 0:50 / /mnt/x rw - tmpfs  rw", 1);
  assertEquals([m.source, m.fsType, m.superOptions], ["", "tmpfs", ["rw"]]);
});

Deno.test("malformed mountinfo lines are rejected with their line number and the bad field", () => {
  const cases: [string, string][] = [
    ["", "expected 6 fields"],
    ["36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root", "expected 3 fields"],
    ["36 35 98:0 /mnt1 /mnt2 rw ext3 /dev/root rw x", "expected 6 fields"],
    ["x 35 98:0 / /m rw - ext3 /dev/root rw", 'mount id "x"'],
    ["36 35 98 / /m rw - ext3 /dev/root rw", 'major:minor "98"'],
    ["36 35 98:0 / relative rw - ext3 /dev/root rw", "is relative"],
    ["36 35 98:0 / /m rw,,noatime - ext3 /dev/root rw", "empty option"],
    ["36 35 98:0 / /m rw master:x - ext3 /dev/root rw", 'optional field "master:x"'],
    ["36 35 98:0 / /m rw - ext/3 /dev/root rw", 'filesystem type "ext/3"'],
    [String.raw`36 35 98:0 / /m\04 rw - ext3 /dev/root rw`, "bad escape"],
    [String.raw`36 35 98:0 / /m\x41 rw - ext3 /dev/root rw`, "bad escape"],
    [String.raw`36 35 98:0 / /m\377 rw - ext3 /dev/root rw`, "not UTF-8"],
    ["36 35 98:0 / /m rw - ext3 /dev/root rw\r", "control character"],
    ["99999999999 35 98:0 / /m rw - ext3 /dev/root rw", "is not a mount id"],
  ];
  for (const [i, [line, part]] of cases.entries()) {
    const err = assertThrows(() => parseMountinfoLine(line, i + 10), MountinfoSyntaxError, part);
    assertEquals(err.line, i + 10);
    assert(err.message.startsWith(`Cannot parse mountinfo line ${i + 10}:`), err.message);
  }
});

Deno.test("the reader skips malformed lines, keeps the good ones and numbers lines from 1", async () => {
  const text = [
    "1 0 8:1 / / rw - ext4 /dev/sda1 rw",
    "garbage",
    "2 1 0:40 / /media/a rw - tmpfs none rw",
    "3 1 0:41 / /media/b rw - tmpfs none", // missing super options
    "",
  ].join("\n");
  const snap = await readMountinfo(textMountinfo(text));
  assertEquals(snap.mounts.map((m) => m.mountPoint), ["/", "/media/a"]);
  assertEquals(snap.errors.map((e) => e.line), [2, 4]);
  assertEquals(snap.errorCount, 2);
  assertEquals(snap.truncated, false);
});

Deno.test("the reader parses lines split across reads at any byte", async () => {
  const text =
    "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:40 / /media/caf\\303\\251 rw - tmpfs none rw\n";
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 2, 5, 17, bytes.length]) {
    const source = async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    };
    const snap = await readMountinfo(source);
    assertEquals(snap.mounts.map((m) => m.mountPoint), ["/", "/media/café"], `read size ${size}`);
  }
});

Deno.test("a line over the length limit is rejected without being buffered, and the next one parses", async () => {
  const long = `1 0 8:1 / /${"a".repeat(5000)} rw - ext4 /dev/sda1 rw`;
  const text = `${long}\n2 1 0:40 / /media/a rw - tmpfs none rw\n`;
  const snap = await readMountinfo(textMountinfo(text), { lineBytesMax: 1024 });
  assertEquals(snap.mounts.map((m) => m.mountId), [2]);
  assertEquals(snap.errors[0]?.line, 1);
  assert(snap.errors[0]!.message.includes("longer than 1024 bytes"));
});

Deno.test("the reader stops at the line and byte limits and says the read was truncated", async () => {
  const lines = Array.from(
    { length: 100 },
    (_, i) => `${i + 2} 1 0:${i} / /m/${i} rw - tmpfs none rw`,
  );
  const text = lines.join("\n") + "\n";
  const byLines = await readMountinfo(textMountinfo(text), { mountsMax: 10 });
  assertEquals([byLines.mounts.length, byLines.truncated], [10, true]);
  const exact = await readMountinfo(textMountinfo(lines.slice(0, 10).join("\n") + "\n"), {
    mountsMax: 10,
  });
  assertEquals([exact.mounts.length, exact.truncated], [10, false]);
  const byBytes = await readMountinfo(textMountinfo(text), { bytesMax: 100 });
  assertEquals(byBytes.truncated, true);
  assert(byBytes.mounts.length > 0 && byBytes.mounts.length < 5, `${byBytes.mounts.length}`);
  assertEquals(byBytes.errors, []);
});

Deno.test("the parse cache reuses unchanged lines and forgets lines that are gone", async () => {
  const cache = new MountinfoParseCache();
  const a = "2 1 0:40 / /media/a rw - tmpfs none rw";
  const b = "3 1 0:41 / /media/b rw - tmpfs none rw";
  const first = await readMountinfo(textMountinfo(`${a}\n${b}\n`), {}, cache);
  const second = await readMountinfo(
    textMountinfo(`${a.replace("rw -", "ro -")}\n${b}\n`),
    {},
    cache,
  );
  assert(second.mounts[1] === first.mounts[1], "an unchanged line is not parsed again");
  assert(second.mounts[0] !== first.mounts[0]);
  assertEquals(second.mounts[0]?.options, ["ro"]);
  await readMountinfo(textMountinfo(""), {}, cache);
  const fourth = await readMountinfo(textMountinfo(`${b}\n`), {}, cache);
  assert(fourth.mounts[0] !== first.mounts[1], "a line absent from the last scan is forgotten");
  assertEquals(fourth.mounts[0], first.mounts[1]);
});
