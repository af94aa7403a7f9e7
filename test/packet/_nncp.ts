/**
 * A throw-away NNCP world for compatibility tests: the three vector nodes
 * with their configs rewritten into a temp folder, and functions to run the
 * real `nncp-*` programs on them and to put packets where they look.
 * @module
 */

import { encodeBase32 } from "../../src/encoding/base32.ts";
import { type EncryptOptions, encryptPacket, type EncryptResult } from "../../src/packet/mod.ts";
import { NODES, type TestNode } from "./_nodes.ts";

/** A temp folder with nodes/<name>/{spool,incoming,pub,areain} and <name>.hjson configs. */
export interface NncpWorld {
  root: string;
  config(node: TestNode): string;
  /** Runs an nncp program; throws with its output when it fails. */
  run(program: string, args: string[], stdin?: Uint8Array): Promise<string>;
  cleanup(): Promise<void>;
}

/** Sets up the world. */
export async function makeNncpWorld(): Promise<NncpWorld> {
  const root = await Deno.makeTempDir({ prefix: "ferry-nncp-" });
  for (const node of NODES) {
    for (const sub of ["spool", "incoming", "pub", "areain"]) {
      await Deno.mkdir(`${root}/nodes/${node.name}/${sub}`, { recursive: true });
    }
    await Deno.writeTextFile(
      `${root}/${node.name}.hjson`,
      node.configText.replaceAll("@ROOT@", root),
    );
  }
  return {
    root,
    config: (node) => `${root}/${node.name}.hjson`,
    async run(program, args, stdin) {
      const child = new Deno.Command(program, {
        args,
        stdin: stdin ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (stdin) {
        const writer = child.stdin.getWriter();
        await writer.write(stdin);
        await writer.close();
      }
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      if (!out.success) throw new Error(`${program} ${args.join(" ")} failed:\n${text}`);
      return text;
    },
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** Encrypts a packet into `dir` under a temp name, then renames it to its id. */
export async function encryptToDir(dir: string, options: EncryptOptions): Promise<EncryptResult> {
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${dir}/.writing`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    const result = await encryptPacket(options, file);
    await Deno.rename(temp, `${dir}/${result.id}`);
    return result;
  } finally {
    file.close();
  }
}

/** The nncp-xfer medium folder for packets from `sender` to `recipient`: MEDIA/RCPT/SENDER. */
export function mediaDir(media: string, recipient: TestNode, sender: TestNode): string {
  return `${media}/${encodeBase32(recipient.id)}/${encodeBase32(sender.id)}`;
}

/** Packet files (not `hdr/`, `seen/` or temp files) in a spool folder; empty when it is missing. */
export async function packetsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^[A-Z2-7]{52}$/.test(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** A node's spool folder for traffic with `other`: SPOOL/OTHER-ID/{rx,tx}. */
export function spoolDir(
  world: NncpWorld,
  node: TestNode,
  other: TestNode,
  way: "rx" | "tx",
): string {
  return `${world.root}/nodes/${node.name}/spool/${encodeBase32(other.id)}/${way}`;
}
