/**
 * Reads the `self`, `neigh` and `areas` sections of an NNCP configuration,
 * checking every key the way NNCP does, plus the cross-checks NNCP leaves out
 * (a node id that does not match its signing key, `neigh.self` that is not
 * us). Whether private keys give their public keys is checked apart, by
 * {@linkcode ./key_pairs.ts}.
 * @module
 */

import { encodeBase32 } from "../encoding/base32.ts";
import { areaIdOf, bytesEqual, nodeIdOf } from "./node_id.ts";
import { type IssueList, joinPath } from "./issues.ts";
import { readAddrs, readCalls } from "./calls.ts";
import {
  isObj,
  type Obj,
  readAbsPath,
  readBool,
  readInt,
  readKey,
  readObj,
  readStrList,
  warnUnknownKeys,
} from "./read.ts";
import type { Area, FreqSettings, Neighbour, SelfNode } from "./types.ts";

const SELF_KEYS = ["id", "exchpub", "exchprv", "signpub", "signprv", "noiseprv", "noisepub"];
const NEIGH_KEYS = [
  "id",
  "exchpub",
  "signpub",
  "noisepub",
  "exec",
  "incoming",
  "freq",
  "via",
  "addrs",
  "rxrate",
  "txrate",
  "onlinedeadline",
  "maxonlinetime",
  "calls",
  "mcd-ignore",
];
const AREA_KEYS = ["id", "pub", "prv", "subs", "incoming", "exec", "allow-unknown"];

/** Reads `self`. Returns undefined when absent or broken. */
export function readSelf(issues: IssueList, root: Obj): SelfNode | undefined {
  const s = readObj(issues, root, "self", "");
  if (!s) return undefined;
  const at = "self";
  warnUnknownKeys(issues, s, at, SELF_KEYS);
  const exchPub = readKey(issues, s, "exchpub", at, 32, true);
  const exchPrv = readKey(issues, s, "exchprv", at, 32, true);
  const signPub = readKey(issues, s, "signpub", at, 32, true);
  const signPrv = readKey(issues, s, "signprv", at, 64, true);
  const noisePub = readKey(issues, s, "noisepub", at, 32, false);
  const noisePrv = readKey(issues, s, "noiseprv", at, 32, false);
  const id = readKey(issues, s, "id", at, 32, true);
  if (!exchPub || !exchPrv || !signPub || !signPrv || !id) return undefined;
  // Whether each private key gives its public key is checked by checkKeyPairs (key_pairs.ts).
  let ok = true;
  if (!bytesEqual(signPrv.subarray(32), signPub)) {
    issues.error("self.signprv", "does not belong to self.signpub: the key pair is broken");
    ok = false;
  }
  if (!bytesEqual(nodeIdOf(signPub), id)) {
    issues.error(
      "self.id",
      `does not match self.signpub: expected ${encodeBase32(nodeIdOf(signPub))}`,
    );
    ok = false;
  }
  if ((noisePub === undefined) !== (noisePrv === undefined)) {
    issues.error("self", "noisepub and noiseprv must be given together");
  }
  if (!ok) return undefined;
  const node: SelfNode = { id, idText: encodeBase32(id), exchPub, exchPrv, signPub, signPrv };
  if (noisePub) node.noisePub = noisePub;
  if (noisePrv) node.noisePrv = noisePrv;
  return node;
}

function readExec(issues: IssueList, obj: Obj, path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const exec = readObj(issues, obj, "exec", path);
  if (!exec) return out;
  for (const [handle, value] of Object.entries(exec)) {
    const at = joinPath(path, "exec", handle);
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== "string")) {
      issues.error(
        at,
        'must be a non-empty list of strings: the command and its arguments, e.g. ["/usr/sbin/sendmail", "-t"]',
      );
      continue;
    }
    out.set(handle, value as string[]);
  }
  return out;
}

function readFreq(issues: IssueList, obj: Obj, path: string): FreqSettings | undefined {
  const freq = readObj(issues, obj, "freq", path);
  if (!freq) return undefined;
  const at = joinPath(path, "freq");
  warnUnknownKeys(issues, freq, at, ["path", "chunked", "minsize", "maxsize"]);
  const dir = readAbsPath(issues, freq, "path", at);
  const chunked = readInt(issues, freq, "chunked", at, 0, 2 ** 40);
  const minsize = readInt(issues, freq, "minsize", at, 0, 2 ** 40);
  const maxsize = readInt(issues, freq, "maxsize", at, 0, 2 ** 40);
  if (dir === undefined) return undefined;
  const out: FreqSettings = { path: dir };
  if (chunked !== undefined) out.chunked = chunked;
  if (minsize !== undefined) out.minsize = minsize;
  if (maxsize !== undefined) out.maxsize = maxsize;
  return out;
}

/** Reads one neighbour stanza (without resolving `via`). */
export function readNeighbour(issues: IssueList, name: string, n: unknown): Neighbour | undefined {
  const at = joinPath("neigh", name);
  if (!isObj(n)) {
    issues.error(at, "must be an object { id: ..., exchpub: ..., signpub: ... }");
    return undefined;
  }
  warnUnknownKeys(issues, n, at, NEIGH_KEYS);
  const id = readKey(issues, n, "id", at, 32, true);
  const exchPub = readKey(issues, n, "exchpub", at, 32, true);
  const signPub = readKey(issues, n, "signpub", at, 32, true);
  const noisePub = readKey(issues, n, "noisepub", at, 32, false);
  const exec = readExec(issues, n, at);
  const incoming = readAbsPath(issues, n, "incoming", at);
  const freq = readFreq(issues, n, at);
  const via = readStrList(issues, n, "via", at) ?? [];
  const addrs = readAddrs(issues, n, at);
  const rxRate = readInt(issues, n, "rxrate", at, 0, 1e9);
  const txRate = readInt(issues, n, "txrate", at, 0, 1e9);
  const onlineDeadline = readInt(issues, n, "onlinedeadline", at, 0, 1e9);
  const maxOnlineTime = readInt(issues, n, "maxonlinetime", at, 0, 1e9);
  const calls = readCalls(issues, n, at, addrs);
  const mcdIgnore = readBool(issues, n, "mcd-ignore", at) ?? false;
  if (!id || !exchPub || !signPub) return undefined;
  if (!bytesEqual(nodeIdOf(signPub), id)) {
    issues.error(
      joinPath(at, "id"),
      `does not match its signpub: expected ${
        encodeBase32(nodeIdOf(signPub))
      }; copy the stanza again from \`ferry pubkey\` on that node`,
    );
    return undefined;
  }
  const node: Neighbour = {
    name,
    id,
    idText: encodeBase32(id),
    exchPub,
    signPub,
    exec,
    via,
    addrs,
    calls,
    mcdIgnore,
  };
  if (noisePub) node.noisePub = noisePub;
  if (incoming !== undefined) node.incoming = incoming;
  if (freq !== undefined) node.freq = freq;
  if (rxRate !== undefined) node.rxRate = rxRate;
  if (txRate !== undefined) node.txRate = txRate;
  if (onlineDeadline !== undefined) node.onlineDeadlineSec = onlineDeadline;
  if (maxOnlineTime !== undefined) node.maxOnlineTimeSec = maxOnlineTime;
  return node;
}

/** Reads one area stanza. */
export function readArea(issues: IssueList, name: string, a: unknown): Area | undefined {
  const at = joinPath("areas", name);
  if (!isObj(a)) {
    issues.error(at, "must be an object { id: ..., subs: [...] }");
    return undefined;
  }
  warnUnknownKeys(issues, a, at, AREA_KEYS);
  const id = readKey(issues, a, "id", at, 32, true);
  const pub = readKey(issues, a, "pub", at, 32, false);
  const prv = readKey(issues, a, "prv", at, 32, false);
  const subs = readStrList(issues, a, "subs", at) ?? [];
  const incoming = readAbsPath(issues, a, "incoming", at);
  const exec = readExec(issues, a, at);
  const allowUnknown = readBool(issues, a, "allow-unknown", at) ?? false;
  if (!id) return undefined;
  if (prv && !pub) {
    issues.error(joinPath(at, "pub"), "is missing: prv is given, so pub is needed too");
  }
  if (pub && !bytesEqual(areaIdOf(pub), id)) {
    issues.error(
      joinPath(at, "id"),
      `does not match its pub: expected ${encodeBase32(areaIdOf(pub))}`,
    );
  }
  const area: Area = { name, id, idText: encodeBase32(id), subs, exec, allowUnknown };
  if (pub) area.pub = pub;
  if (prv) area.prv = prv;
  if (incoming !== undefined) area.incoming = incoming;
  return area;
}
