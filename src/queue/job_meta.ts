/**
 * A job's metadata: sequence number, creation time and what to do (run a
 * command with params and `FSPL_SET_*` variables, a NOP, or a Fail). This
 * module turns it into the MessagePack block fspl 1.2.2 writes, byte for
 * byte, and reads it back with fspl's tolerance (see FORMAT.md §2): structs
 * as maps or positional arrays, field names or indexes as keys, variants by
 * name or index, wider integers than needed, unknown keys and trailing bytes.
 *
 * @example
 * ```ts
 * import { decodeMeta, encodeMeta } from "./job_meta.ts";
 * const meta = { seq: 7n, ctimeSecs: 1795612282n, ctimeNanos: 5, kind: "NOP" as const, params: [], env: [] };
 * console.assert(decodeMeta(encodeMeta(meta)).seq === 7n);
 * ```
 * @module
 */

import { MsgpackError, MsgpackReader } from "./msgpack_reader.ts";
import { MsgpackWriter } from "./msgpack_writer.ts";
import { decodeByteString, readStruct } from "./_meta_fields.ts";
import { CTIME_SECS_MAX, CTIME_SECS_MIN } from "./time_format.ts";

/** What a job does when it runs. */
export type JobKind = "Command" | "NOP" | "Fail";

/** The decoded metadata block of a job file. */
export interface JobMeta {
  /** Sequence number (u64). */
  seq: bigint;
  /** Creation time, whole seconds since the Unix epoch (i64, UTC). */
  ctimeSecs: bigint;
  /** Creation time, nanoseconds (0 to 1,999,999,999; at or above 1e9 is a leap second). */
  ctimeNanos: number;
  /** Command, NOP or Fail. */
  kind: JobKind;
  /** Command params, raw bytes (empty for NOP and Fail). */
  params: Uint8Array[];
  /** `FSPL_SET_` variables without the prefix, as raw `[key, value]` bytes, in stored order. */
  env: [Uint8Array, Uint8Array][];
}

const KINDS: readonly JobKind[] = ["Command", "NOP", "Fail"];
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
/** Largest nanosecond value fspl can render (it panics at 2e9 and above). */
const NANOS_MAX = 1_999_999_999;

/** Encodes metadata exactly as fspl 1.2.2 does (canonical form). */
export function encodeMeta(meta: JobMeta): Uint8Array {
  checkMeta(meta);
  const w = new MsgpackWriter();
  w.mapHeader(3);
  w.fixstr("seq");
  w.uint(meta.seq);
  w.fixstr("ctime");
  w.arrayHeader(2);
  w.int(meta.ctimeSecs);
  w.uint(BigInt(meta.ctimeNanos));
  w.fixstr("cmd_type");
  if (meta.kind !== "Command") {
    if (meta.params.length > 0 || meta.env.length > 0) {
      throw new TypeError(`A ${meta.kind} job cannot carry params or env`);
    }
    w.fixstr(meta.kind);
    return w.finish();
  }
  w.mapHeader(1);
  w.fixstr("Command");
  w.mapHeader(2);
  w.fixstr("params");
  w.arrayHeader(meta.params.length);
  for (const p of meta.params) w.byteString(p);
  w.fixstr("env");
  w.arrayHeader(meta.env.length);
  for (const [k, v] of meta.env) {
    w.arrayHeader(2);
    w.byteString(k);
    w.byteString(v);
  }
  return w.finish();
}

function checkMeta(meta: JobMeta): void {
  if (meta.seq < 0n || meta.seq > U64_MAX) throw new RangeError(`seq ${meta.seq} is not a u64`);
  if (meta.ctimeSecs < -I64_MAX - 1n || meta.ctimeSecs > I64_MAX) {
    throw new RangeError(`ctime seconds ${meta.ctimeSecs} is not an i64`);
  }
  if (!Number.isInteger(meta.ctimeNanos) || meta.ctimeNanos < 0 || meta.ctimeNanos > NANOS_MAX) {
    throw new RangeError(`ctime nanoseconds ${meta.ctimeNanos} is outside 0..${NANOS_MAX}`);
  }
}

/**
 * Decodes a metadata block. Throws {@linkcode MsgpackError} (a SyntaxError)
 * naming the field that is wrong, in serde's words where fspl has them.
 */
export function decodeMeta(bytes: Uint8Array): JobMeta {
  const r = new MsgpackReader(bytes);
  const got: { seq?: bigint; ctime?: [bigint, number]; cmd?: CmdPart } = {};
  readStruct(r, "Meta", ["seq", "ctime", "cmd_type"], (i) => {
    if (i === 0) got.seq = inRange(r.readInt("seq"), 0n, U64_MAX, "seq", "u64");
    else if (i === 1) got.ctime = readCtime(r);
    else got.cmd = readCmdType(r);
  });
  const { seq, ctime, cmd } = got;
  if (seq === undefined || ctime === undefined || cmd === undefined) {
    throw new Error("unreachable: readStruct reports every missing field");
  }
  return { seq, ctimeSecs: ctime[0], ctimeNanos: ctime[1], ...cmd };
}

function inRange(v: bigint, min: bigint, max: bigint, field: string, type: string): bigint {
  if (v < min || v > max) {
    throw new MsgpackError(`${field}: invalid value: integer \`${v}\`, expected ${type}`);
  }
  return v;
}

function readCtime(r: MsgpackReader): [bigint, number] {
  if (r.peekKind() !== "array") {
    throw new MsgpackError(`ctime: invalid type: ${r.peekKind()}, expected a tuple of size 2`);
  }
  const n = r.readArrayHeader("ctime");
  if (n !== 2) throw new MsgpackError(`ctime: array had incorrect length ${n}, expected 2`);
  const secs = inRange(r.readInt("ctime seconds"), -I64_MAX - 1n, I64_MAX, "ctime seconds", "i64");
  const nanos = inRange(
    r.readInt("ctime nanoseconds"),
    0n,
    0xffffffffn,
    "ctime nanoseconds",
    "u32",
  );
  if (nanos > BigInt(NANOS_MAX)) {
    throw new MsgpackError(
      `ctime nanoseconds ${nanos} is 2e9 or more: not a valid time (fspl panics on it)`,
    );
  }
  if (secs < CTIME_SECS_MIN || secs > CTIME_SECS_MAX) {
    throw new MsgpackError(
      `ctime seconds ${secs} is outside the years -262143..262142 (fspl panics on it)`,
    );
  }
  return [secs, Number(nanos)];
}

type CmdPart = Pick<JobMeta, "kind" | "params" | "env">;

function variantOf(r: MsgpackReader): JobKind {
  if (r.peekKind() === "int") {
    const i = r.readInt("cmd_type");
    const kind = i >= 0n && i < 3n ? KINDS[Number(i)] : undefined;
    if (kind === undefined) {
      throw new MsgpackError(
        `cmd_type: invalid value: integer \`${i}\`, expected variant index 0 <= i < 3`,
      );
    }
    return kind;
  }
  const name = new TextDecoder().decode(r.readStrOrBin("cmd_type"));
  const kind = KINDS.find((k) => k === name);
  if (kind === undefined) {
    throw new MsgpackError(
      `cmd_type: unknown variant \`${name}\`, expected one of \`Command\`, \`NOP\`, \`Fail\``,
    );
  }
  return kind;
}

function readCmdType(r: MsgpackReader): CmdPart {
  if (r.peekKind() !== "map") {
    const kind = variantOf(r);
    if (kind === "Command") {
      throw new MsgpackError("cmd_type: invalid type: unit variant, expected newtype variant");
    }
    return { kind, params: [], env: [] };
  }
  const n = r.readMapHeader("cmd_type");
  if (n !== 1) {
    throw new MsgpackError(`cmd_type: a variant map must have exactly 1 entry, found ${n}`);
  }
  const kind = variantOf(r);
  if (kind !== "Command") {
    if (r.peekKind() !== "nil") {
      throw new MsgpackError(`cmd_type: ${kind} must carry nil, found ${r.peekKind()}`);
    }
    r.skip();
    return { kind, params: [], env: [] };
  }
  let params: Uint8Array[] = [];
  let env: [Uint8Array, Uint8Array][] = [];
  readStruct(r, "Command", ["params", "env"], (i) => {
    if (i === 0) params = readList(r, "params", () => decodeByteString(r, "param"));
    else env = readList(r, "env", () => readPair(r));
  });
  return { kind, params, env };
}

function readList<T>(r: MsgpackReader, what: string, item: () => T): T[] {
  const n = r.readArrayHeader(what);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

function readPair(r: MsgpackReader): [Uint8Array, Uint8Array] {
  const n = r.readArrayHeader("env pair");
  if (n !== 2) throw new MsgpackError(`env pair: array had incorrect length ${n}, expected 2`);
  return [decodeByteString(r, "env key"), decodeByteString(r, "env value")];
}
