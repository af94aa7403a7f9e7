/**
 * A receiver for the store crash test: takes the packet at SOURCE into the
 * spool of the node in CONFIG through the shared packet store, as a transport
 * would (written in 1 MiB pieces at their offsets, persisted every 4 MiB,
 * resumed from what an earlier run persisted, then committed).
 *
 *     deno run -A _store_child.ts CONFIG PEER SOURCE ID
 * @module
 */

import { loadConfig } from "../../src/config/mod.ts";
import { createLogger } from "../../src/log/logger.ts";
import { type ConfigWithSelf, createNodeContext } from "../../src/node/context.ts";
import { SpoolStore } from "../../src/store/mod.ts";

const [cfg, peer, source, id] = Deno.args as [string, string, string, string];
const pieceBytes = 1 << 20;
const persistEvery = 4;
const { config } = await loadConfig(cfg);
const ctx = createNodeContext(config as ConfigWithSelf, createLogger({ level: "warn" }));
const store = new SpoolStore(ctx.spool, ctx.log);
const bytes = await Deno.readFile(source);
if (await store.hasIncoming(peer, id)) Deno.exit(0);
const partial = await store.openIncoming(peer, id, bytes.length);
let offset = partial.resume?.doneBytes ?? 0;
let pieces = 0;
while (offset < bytes.length) {
  const end = Math.min(offset + pieceBytes, bytes.length);
  await partial.write(offset, bytes.subarray(offset, end));
  offset = end;
  if (++pieces % persistEvery === 0 || offset === bytes.length) {
    await partial.persist({
      size: bytes.length,
      fragBytes: pieceBytes,
      doneBytes: offset,
      bitmap: new Uint8Array(8),
    });
  }
}
if (!(await partial.commit())) {
  console.error(`packet ${id} did not match its id`);
  Deno.exit(1);
}
