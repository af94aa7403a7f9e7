/**
 * Text of new configuration files (`ferry init`) and of the public stanza a
 * peer pastes into its `neigh` section (`ferry pubkey`). The output is Hjson
 * that both ferry and NNCP 8.8.2 read.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { generateKeys, type KeySet, nodeIdOf } from "./identity.ts";
import type { Config } from "./types.ts";

/** Options for {@linkcode renderNewConfig}. */
export interface NewConfigOptions {
  /** Human name of the node (`ferry.name`). */
  name: string;
  /** Spool folder. Default `/var/spool/ferry`. */
  spool?: string;
  /** Log file. Default `<spool>/log`. */
  log?: string;
  /** Folder for files received from peers (set on `neigh.self`). */
  incoming?: string;
  /** Keys to use instead of fresh ones (tests). */
  keys?: KeySet;
}

const b32 = encodeBase32;

/** Renders a complete, commented configuration with fresh keys. */
export function renderNewConfig(options: NewConfigOptions): string {
  const k = options.keys ?? generateKeys();
  const id = b32(nodeIdOf(k.signPub));
  const spool = options.spool ?? "/var/spool/ferry";
  const log = options.log ?? `${spool.replace(/\/$/, "")}/log`;
  const q = (s: string) => JSON.stringify(s);
  return `{
  # ferry node ${q(options.name)}: an NNCP 8.8.2 configuration that ferry and the
  # nncp-* tools both read. Keep this file private (chmod 600): it holds keys.

  # Where packets wait (NNCP's spool layout) and where the log goes.
  spool: ${q(spool)}
  log: ${q(log)}
  # umask: "022"
  # noprogress: true

  self: {
    # DO NOT show anyone your private keys!
    id: ${id}
    exchpub: ${b32(k.exchPub)}
    exchprv: ${b32(k.exchPrv)}
    signpub: ${b32(k.signPub)}
    signprv: ${b32(k.signPrv)}
    noiseprv: ${b32(k.noisePrv)}
    noisepub: ${b32(k.noisePub)}
  }

  neigh: {
    self: {
      # Public keys: give them to your peers (\`ferry pubkey\` prints them).
      id: ${id}
      exchpub: ${b32(k.exchPub)}
      signpub: ${b32(k.signPub)}
      noisepub: ${b32(k.noisePub)}${
    options.incoming
      ? `\n      # files this node sends itself; \`ferry neigh add\` gives each neighbour it adds\n` +
        `      # this folder too (NNCP takes incoming from each neighbour's own stanza)\n` +
        `      incoming: ${q(options.incoming)}`
      : ""
  }
    }

    # Add each peer with \`ferry neigh add NAME < NAME.pub\` (the stanza its
    # \`ferry pubkey\` printed), or paste it here, e.g.:
    # house: {
    #   id: ...
    #   exchpub: ...
    #   signpub: ...
    #   noisepub: ...
    #   incoming: "/srv/ferry/incoming/house"   # accept files from it
    #   exec: { jobs: ["ferry", "queue", "write", "--content-name", "-q", "/srv/ferry/jobs"] }
    #   freq: { path: "/srv/ferry/pub" }        # allow it to request files
    #   via: ["relay"]                            # reach it through another node
    # }
  }

  # ferry's own settings (NNCP ignores this section).
  ferry: {
    name: ${q(options.name)}
    log-level: info
    toss: { cycle-sec: 60, seen: true }
  }
}
`;
}

/** Renders `NAME: { id, exchpub, signpub, noisepub }` for a peer's `neigh` section. */
export function renderPubkeyStanza(config: Config): string {
  const self = config.self;
  if (!self) throw new Error("the configuration has no `self` section with keys");
  const lines = [
    `${config.ferry.name}: {`,
    `  id: ${self.idText}`,
    `  exchpub: ${b32(self.exchPub)}`,
    `  signpub: ${b32(self.signPub)}`,
  ];
  if (self.noisePub) lines.push(`  noisepub: ${b32(self.noisePub)}`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
