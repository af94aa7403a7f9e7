/**
 * Bundles written by general tar tools: Python's tarfile and GNU tar spell the
 * folder entry `NNCP/`; nncp-bundle -rx takes such a bundle, and so must
 * ferry. A stream with nothing usable in it is a failure, not `received=0`.
 */

import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { run } from "../helpers.ts";
import { ferryRun, IDS, nncp, packetsIn, queueDir, withWorld } from "./_world.ts";

/** Python's tarfile: the folder `NNCP` (written `NNCP/`), then NNCP/RECIPIENT/SENDER/ID. */
const PY_TAR = `
import sys, tarfile, io, os
out, src, arc = sys.argv[1], sys.argv[2], sys.argv[3]
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
    d = tarfile.TarInfo("NNCP"); d.type = tarfile.DIRTYPE; d.mode = 0o700
    t.addfile(d)
    data = open(src, "rb").read()
    f = tarfile.TarInfo(arc); f.size = len(data); f.mode = 0o600
    t.addfile(f, io.BytesIO(data))
`;

Deno.test("bundle --rx takes a bundle whose folder entry is spelt NNCP/ (as tarfile and GNU tar write it), as nncp-bundle -rx does", async () => {
  await withWorld(async (w) => {
    await nncp("file", w.bob, ["-", "alice:one.txt"], "one\n");
    const [id] = await packetsIn(queueDir(w.bob, "alice", "tx"));
    assert(id);
    const tar = `${w.root}/py.tar`;
    const made = await run("python3", [
      "-c",
      PY_TAR,
      tar,
      `${queueDir(w.bob, "alice", "tx")}/${id}`,
      `NNCP/${IDS.alice}/${IDS.bob}/${id}`,
    ]);
    assertEquals(made.code, 0, made.stderr);
    const bytes = await Deno.readFile(tar);
    assertEquals(new TextDecoder().decode(bytes.subarray(0, 5)), "NNCP/", "tarfile wrote NNCP/");

    // the real nncp-bundle takes it (a dry run, so the spool stays as it was)
    const theirs = await run("nncp-bundle", ["-cfg", w.alice.cfg, "-rx", "-dryrun"], {
      stdin: bytes,
    });
    assertEquals(theirs.code, 0, theirs.stderr);
    assertStringIncludes(theirs.stderr, id);

    const ours = await ferryRun(w.alice, ["bundle", "--rx"], bytes);
    assertEquals(ours.code, 0, ours.stderr);
    assertEquals(await packetsIn(queueDir(w.alice, "bob", "rx")), [id]);
  });
});

Deno.test("bundle --rx exits 1 when the stream holds bytes but no usable entry, and 0 on an empty stream", async () => {
  await withWorld(async (w) => {
    const notABundle = new TextEncoder().encode("NNCP is not here\n".repeat(4000));
    const bad = await ferryRun(w.alice, ["bundle", "--rx"], notABundle);
    assertEquals(bad.code, 1, bad.stderr);
    assertStringIncludes(bad.stderr, "no bundle entry ferry could read");
    const gz = await run("gzip", ["-c"], { stdin: notABundle });
    const compressed = await ferryRun(w.alice, ["bundle", "--rx"], gz.stdoutBytes);
    assertEquals(compressed.code, 1, compressed.stderr);
    const empty = await ferryRun(w.alice, ["bundle", "--rx"], new Uint8Array(0));
    assertEquals(empty.code, 0, empty.stderr);
  });
});
