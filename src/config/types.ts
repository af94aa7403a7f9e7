/**
 * The shape of a loaded, checked configuration. Keys are raw bytes; names
 * are NNCP's neighbour names. See `load.ts` for how a file becomes this.
 * @module
 */

import type { FerrySettings } from "./ferry_section.ts";
import type { CallSettings } from "./calls.ts";
import type { McdSend } from "./mcd.ts";

/** Our own node: public and private keys. */
export interface SelfNode {
  /** Node id: BLAKE2b-256 of `signPub`. */
  id: Uint8Array;
  /** The id in base32, as in file names and logs. */
  idText: string;
  exchPub: Uint8Array;
  exchPrv: Uint8Array;
  signPub: Uint8Array;
  /** 64 bytes: Ed25519 seed, then the public key. */
  signPrv: Uint8Array;
  noisePub?: Uint8Array;
  noisePrv?: Uint8Array;
}

/** What `freq` allows a neighbour to request. */
export interface FreqSettings {
  /** Folder files may be requested from; absent means freq is refused. */
  path: string;
  /** Send requested files in chunks of this many KiB (0 or absent: whole). */
  chunked?: number;
  /** Pad replies to at least this many KiB. */
  minsize?: number;
  /** Refuse requests for files larger than this many KiB. */
  maxsize?: number;
}

/** A neighbour node (including `self`, our own public stanza). */
export interface Neighbour {
  /** Name in the `neigh` section. */
  name: string;
  id: Uint8Array;
  idText: string;
  exchPub: Uint8Array;
  signPub: Uint8Array;
  noisePub?: Uint8Array;
  /** Exec handles: handle → argv prefix. */
  exec: Map<string, string[]>;
  /** Where files from this node are saved; absent forbids files. */
  incoming?: string;
  freq?: FreqSettings;
  /** Names of the relays packets to this node go through, first hop first. */
  via: string[];
  /** Online addresses by alias: `host:port` or `|command args`. */
  addrs: Record<string, string>;
  /** Scheduled calls (`calls`), placed by `ferry agent` like `nncp-caller`. */
  calls: CallSettings[];
  /** ferry: never use this node's LAN (MCD) announcements. */
  mcdIgnore: boolean;
  rxRate?: number;
  txRate?: number;
  onlineDeadlineSec?: number;
  maxOnlineTimeSec?: number;
}

/** A multicast area. */
export interface Area {
  name: string;
  id: Uint8Array;
  idText: string;
  pub?: Uint8Array;
  prv?: Uint8Array;
  /** Neighbour names area packets are relayed to. */
  subs: string[];
  incoming?: string;
  exec: Map<string, string[]>;
  allowUnknown: boolean;
}

/** A loaded and checked configuration. */
export interface Config {
  /** The file it came from. */
  path: string;
  spool: string;
  /** Log file path, or `FD:N`. */
  log: string;
  umask?: number;
  noProgress: boolean;
  noHdr: boolean;
  /** Our keys; absent in a configuration without private keys. */
  self?: SelfNode;
  /** Neighbours by name, including `self`. */
  neigh: Map<string, Neighbour>;
  /** Neighbours by base32 id. */
  neighById: Map<string, Neighbour>;
  areas: Map<string, Area>;
  /** Interface name patterns to listen on for LAN announcements (`mcd-listen`). */
  mcdListen: RegExp[];
  /** Interface name patterns to announce ourselves on, and how often (`mcd-send`). */
  mcdSend: McdSend[];
  ferry: FerrySettings;
}
