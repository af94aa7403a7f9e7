/**
 * ferry's own settings: the top-level `ferry: { ... }` section of the
 * configuration file. NNCP ignores this section; ferry checks every key in it
 * (an unknown key is an error here, since it can only be a typo).
 *
 * ```hjson
 * ferry: {
 *   name: shed            # how this node calls itself (`ferry pubkey`)
 *   log-level: info       # error, warn, info or debug
 *   toss: { cycle-sec: 60, seen: true }
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

/** Settings of the toss loop the agent runs. */
export interface TossSettings {
  /** Seconds between toss runs. */
  cycleSec: number;
  /** Keep `seen/` markers so a packet is never tossed twice. */
  seen: boolean;
}

/** The checked `ferry` section with defaults filled in. */
export interface FerrySettings {
  /** Human name of this node. */
  name: string;
  logLevel: LogLevel;
  toss: TossSettings;
  media?: MediaSettings;
  syncFolders: SyncFolderSettings[];
  links: LinkSettings[];
  queues: QueueSettings[];
  /** The MQTT broker transport; absent: off. */
  mqtt?: MqttSettings;
}

/** Defaults used when a key is absent. */
export const FERRY_DEFAULTS: FerrySettings = {
  name: "self",
  logLevel: "info",
  toss: { cycleSec: 60, seen: true },
  syncFolders: [],
  links: [],
  queues: [],
};

const LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];
const KNOWN = [
  "name",
  "log-level",
  "toss",
  "media",
  "sync-folders",
  "links",
  "queues",
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
      warnUnknownKeys(issues, toss, at, ["cycle-sec", "seen"], true);
      out.toss.cycleSec = readInt(issues, toss, "cycle-sec", at, 1, 86400) ?? out.toss.cycleSec;
      out.toss.seen = readBool(issues, toss, "seen", at) ?? out.toss.seen;
    }
  }
  const media = readMedia(issues, section, neighNames);
  if (media) out.media = media;
  out.syncFolders = readSyncFolders(issues, section, neighNames);
  out.links = readLinks(issues, section, neighNames);
  out.queues = readQueues(issues, section);
  const mqtt = readMqtt(issues, section, neighNames);
  if (mqtt) out.mqtt = mqtt;
  return out;
}
