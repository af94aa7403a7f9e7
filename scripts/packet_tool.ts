/**
 * A small command-line front to ferry's packet core, for benchmarks and
 * manual checks against NNCP. Node keys come from NNCP configuration files
 * written as plain JSON (valid Hjson), like the test vectors' `cfg/`.
 *
 * Usage:
 *   deno run -A --v8-flags=--expose-gc scripts/packet_tool.ts encrypt \
 *     --cfg alice.json --to bob --file SRC --name DST [--minsize BYTES] --out DIR [--hash MODE]
 *   deno run -A --v8-flags=--expose-gc scripts/packet_tool.ts decrypt \
 *     --cfg bob.json --packet PATH --out DIR [--id] [--hash MODE]
 *
 * MODE (where the packet id is hashed): auto (default), inline or worker.
 *
 * `encrypt` writes DIR/<packet id> (temp file, fsync, rename) and prints
 * `{"id":…,"size":…}`. `decrypt` verifies the packet, writes the payload
 * of a file packet to DIR/<its name> and prints what it found.
 * @module
 */

import { decodeBase32, encodeBase32 } from "../src/encoding/base32.ts";
import { decryptPacket } from "../src/packet/decrypt.ts";
import { encryptPacket } from "../src/packet/encrypt.ts";
import type { HashMode } from "../src/packet/hash_pipe.ts";
import { filePlain, NICE, plainPathText } from "../src/packet/plain_builders.ts";
import { PlainType } from "../src/packet/plain_header.ts";
import { fileSink, syncDir } from "../src/packet/sink.ts";

interface NodeConfig {
  self: { id: string; exchprv: string; signprv: string };
  neigh: Record<string, { id: string; exchpub: string; signpub: string }>;
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function required(args: string[], name: string): string {
  const value = option(args, name);
  if (value === undefined) throw new Error(`packet_tool: --${name} is required`);
  return value;
}

function hashMode(args: string[]): HashMode {
  const mode = option(args, "hash") ?? "auto";
  if (mode !== "auto" && mode !== "inline" && mode !== "worker") {
    throw new Error(`packet_tool: --hash must be auto, inline or worker, not "${mode}"`);
  }
  return mode;
}

async function loadConfig(path: string): Promise<NodeConfig> {
  return JSON.parse(await Deno.readTextFile(path)) as NodeConfig;
}

async function encrypt(args: string[]): Promise<unknown> {
  const cfg = await loadConfig(required(args, "cfg"));
  const to = cfg.neigh[required(args, "to")];
  if (to === undefined) throw new Error(`packet_tool: no neighbour "${option(args, "to")}"`);
  const dir = required(args, "out");
  const temp = `${dir}/.packet-tool-${crypto.randomUUID()}`;
  using source = await Deno.open(required(args, "file"));
  using out = await Deno.open(temp, { write: true, createNew: true });
  const result = await encryptPacket({
    sender: { id: decodeBase32(cfg.self.id), signPrv: decodeBase32(cfg.self.signprv) },
    recipient: { id: decodeBase32(to.id), exchPub: decodeBase32(to.exchpub) },
    nice: NICE.bulk,
    plain: filePlain(required(args, "name"), NICE.bulk),
    payload: source,
    minSize: Number(option(args, "minsize") ?? 0),
    hash: hashMode(args),
  }, out);
  await out.sync();
  await Deno.rename(temp, `${dir}/${result.id}`);
  await syncDir(dir);
  return { id: result.id, size: result.size };
}

async function decrypt(args: string[]): Promise<unknown> {
  const cfg = await loadConfig(required(args, "cfg"));
  const senders = new Map(
    Object.values(cfg.neigh).map((n) => [n.id, { signPub: decodeBase32(n.signpub) }]),
  );
  const dir = required(args, "out");
  using packet = await Deno.open(required(args, "packet"));
  const result = await decryptPacket(packet, {
    self: { id: decodeBase32(cfg.self.id), exchPrv: decodeBase32(cfg.self.exchprv) },
    senders: (id) => senders.get(encodeBase32(id)),
    open: ({ plain }) => {
      if (plain.type !== PlainType.file) throw new Error("packet_tool: only file packets");
      return fileSink(`${dir}/${plainPathText(plain).replaceAll("/", "_")}`);
    },
    computeId: args.includes("--id") ? hashMode(args) : false,
  });
  return { id: result.id, size: result.size, payload: result.payloadBytes, pad: result.padBytes };
}

const [command, ...rest] = Deno.args;
const run = command === "encrypt" ? encrypt : command === "decrypt" ? decrypt : undefined;
if (run === undefined) {
  console.error("usage: packet_tool.ts encrypt|decrypt [options] (see the module doc)");
  Deno.exit(2);
}
console.log(JSON.stringify(await run(rest)));
