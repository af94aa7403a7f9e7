/**
 * ferry's own settings: the top-level `ferry: { ... }` section of the
 * configuration file. NNCP ignores this section; ferry checks every key in it
 * (an unknown key is an error here, since it can only be a typo).
 *
 * ```hjson
 * ferry: {
 *   name: "shed"          # how this node calls itself (`ferry pubkey`)
 *   log-level: "info"     # error, warn, info or debug
 *   toss: { cycle-sec: 60, seen: true, reass: true }
 *   send: { chunk-over: 4290772992 }   # bytes; bigger files go in chunks
 *   daemon: { bind: ["[::]:5400"] }   # see ferry_online.ts
 * }
 * ```
 * @module
 */

import { type IssueList, joinPath } from "./issues.ts";
import { isObj, type Obj, readBool, readInt, readObj, readStr, warnUnknownKeys } from "./read.ts";
import type { LogLevel } from "../log/logger.ts";
import { type LinkSettings, readLinks } from "./ferry_links.ts";
import { type QueueSettings, readQueues } from "./ferry_queues.ts";
import { type MqttSettings, readMqtt } from "./ferry_mqtt.ts";
import {
  type MediaSettings,
  readMedia,
  readSyncFolders,
  type SyncFolderSettings,
} from "./ferry_media.ts";
import {
  announceGapSecDefault,
  type CallOnAnnounceSettings,
  type DaemonSettings,
  readCallOnAnnounce,
  readDaemon,
} from "./ferry_online.ts";

/** Settings of the toss loop the agent runs. */
export interface TossSettings {
  /** Seconds between toss runs. */
  cycleSec: number;
  /** Keep `seen/` markers so a packet is never tossed twice. */
  seen: boolean;
  /** Reassemble a chunked file as soon as its last piece is tossed. */
  reass: boolean;
}

/** Settings of the sending commands. */
export interface SendSettings {
  /** Files bigger than this many bytes are sent in chunks of this size. */
  chunkOverBytes: number;
}

/**
 * Default `ferry.send.chunk-over`: 4 GiB less 4 MiB, so every chunk's packet
 * (payload plus a 16-byte tag per 128 KiB block and headers, about 512 KiB
 * per layer, even wrapped for up to 4 relays) stays under FAT32's 4 GiB file
 * size limit.
 */
export const chunkOverBytesDefault = 4 * 1024 ** 3 - 4 * 1024 ** 2;
/** Smallest `ferry.send.chunk-over` (1 KiB, NNCP's chunk unit). */
export const chunkOverBytesMin = 1024;

/** The checked `ferry` section with defaults filled in. */
export interface FerrySettings {
  /** Human name of this node. */
  name: string;
  logLevel: LogLevel;
  toss: TossSettings;
  send: SendSettings;
  media?: MediaSettings;
  syncFolders: SyncFolderSettings[];
  links: LinkSettings[];
  queues: QueueSettings[];
  /** The daemon the agent runs; absent: the agent does not listen. */
  daemon?: DaemonSettings;
  callOnAnnounce: CallOnAnnounceSettings;
  /** The MQTT broker transport; absent: off. */
  mqtt?: MqttSettings;
}

/** Defaults used when a key is absent. */
export const FERRY_DEFAULTS: FerrySettings = {
  name: "self",
  logLevel: "info",
  toss: { cycleSec: 60, seen: true, reass: true },
  send: { chunkOverBytes: chunkOverBytesDefault },
  syncFolders: [],
  links: [],
  queues: [],
  callOnAnnounce: { except: [], minGapSec: announceGapSecDefault },
};

const LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];
const KNOWN = [
  "name",
  "log-level",
  "toss",
  "send",
  "media",
  "sync-folders",
  "links",
  "queues",
  "daemon",
  "call-on-announce",
  "mqtt",
] as const;

/** Reads the `ferry` section (absent is fine: all defaults). */
export function readFerrySection(
  issues: IssueList,
  root: Obj,
  neighNames: Set<string> = new Set(),
): FerrySettings {
  const path = "ferry";
  const section = readObj(issues, root, "ferry", "");
  const out: FerrySettings = structuredClone(FERRY_DEFAULTS);
  if (!section) return out;
  warnUnknownKeys(issues, section, path, KNOWN, true);

  const name = readStr(issues, section, "name", path);
  if (name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      issues.error(
        joinPath(path, "name"),
        `must be 1-63 letters, digits, ".", "_" or "-", not ${JSON.stringify(name)}`,
      );
    } else if (name === "self") {
      issues.error(
        joinPath(path, "name"),
        'must not be "self": peers paste `ferry pubkey` under this name next to their own self',
      );
    } else out.name = name;
  }
  const level = readStr(issues, section, "log-level", path);
  if (level !== undefined) {
    if (!(LEVELS as readonly string[]).includes(level)) {
      issues.error(
        joinPath(path, "log-level"),
        `must be one of ${LEVELS.join(", ")}, not ${JSON.stringify(level)}`,
      );
    } else out.logLevel = level as LogLevel;
  }
  const toss = section["toss"];
  if (toss !== undefined) {
    if (!isObj(toss)) issues.error(joinPath(path, "toss"), "must be an object { ... }");
    else {
      const at = joinPath(path, "toss");
      warnUnknownKeys(issues, toss, at, ["cycle-sec", "seen", "reass"], true);
      out.toss.cycleSec = readInt(issues, toss, "cycle-sec", at, 1, 86400) ?? out.toss.cycleSec;
      out.toss.seen = readBool(issues, toss, "seen", at) ?? out.toss.seen;
      out.toss.reass = readBool(issues, toss, "reass", at) ?? out.toss.reass;
    }
  }
  const send = section["send"];
  if (send !== undefined) {
    if (!isObj(send)) issues.error(joinPath(path, "send"), "must be an object { ... }");
    else {
      const at = joinPath(path, "send");
      warnUnknownKeys(issues, send, at, ["chunk-over"], true);
      out.send.chunkOverBytes = readInt(
        issues,
        send,
        "chunk-over",
        at,
        chunkOverBytesMin,
        Number.MAX_SAFE_INTEGER,
      ) ?? out.send.chunkOverBytes;
    }
  }
  const media = readMedia(issues, section, neighNames);
  if (media) out.media = media;
  out.syncFolders = readSyncFolders(issues, section, neighNames);
  out.links = readLinks(issues, section, neighNames);
  out.queues = readQueues(issues, section);
  const daemon = readDaemon(issues, section);
  if (daemon) out.daemon = daemon;
  out.callOnAnnounce = readCallOnAnnounce(issues, section, neighNames);
  const mqtt = readMqtt(issues, section, neighNames);
  if (mqtt) out.mqtt = mqtt;
  return out;
}
