/**
 * Types, constants and sizes of ferry's link frames (the layout is
 * described in `frames.ts`, which encodes and decodes them).
 * @module
 */

/** Bytes of a data frame's header. */
export const dataHeaderBytes = 2;
/** Fragment indexes travel modulo this. */
export const seqModulo = 256;
/** Frames one turn may hold (`rem` has 6 bits). */
export const turnFramesMax = 64;
/** Bits in an ACK or ACCEPT bitmap. */
export const bitmapBits = 64;
/** Bytes of a packet id. */
export const packetIdBytes = 32;
/** Version carried in HELLO. */
export const protocolVersion = 1;

/** Why a receiver refused or dropped an offered packet. */
export const RejectReason = {
  /** Size or fragment size out of range. */
  invalid: 1,
  /** The received bytes did not hash to the packet id. */
  verifyFailed: 2,
  /** The store could not take it (disk full, I/O error). */
  storeError: 3,
} as const;

/** A data frame. */
export interface DataFrame {
  kind: "data";
  rem: number;
  /** Low bit of the numbering epoch. */
  epoch: number;
  seq: number;
  payload: Uint8Array;
}

/** The body of a control frame. */
export type ControlBody =
  | {
    kind: "hello";
    version: number;
    established: boolean;
    nonce: number;
    echo: number;
    fromTag: number;
    toTag: number;
  }
  | { kind: "offer"; id: Uint8Array; size: number; nice: number; fragBytes: number }
  | {
    kind: "accept";
    id: Uint8Array;
    /** Byte offset of fragment 0 (where this receiver resumed). */
    offset: number;
    /** Fragments before this one are all present. */
    base: number;
    fragBytes: number;
    /** The receiver's numbering of this transfer (changes when it reopens the packet). */
    epoch: number;
    bitmap: Uint8Array;
  }
  | { kind: "reject"; id: Uint8Array; reason: number }
  | { kind: "ack"; tag: number; epoch: number; base: number; bitmap: Uint8Array }
  | { kind: "verified"; id: Uint8Array }
  | { kind: "turn" }
  | { kind: "hold"; ms: number }
  | { kind: "bye" };

/** A control frame: a body plus the turn fields. */
export type ControlFrame = ControlBody & { rem: number; idle: boolean };

/** Any protocol frame. */
export type Frame = DataFrame | ControlFrame;

/** A frame that cannot be decoded; `code` says why. */
export class FrameError extends Error {
  override name = "FrameError";
  /** Creates the error; `code` is a stable short name for logs. */
  constructor(
    readonly code: "short" | "unknown-type" | "bad-length" | "bad-field",
    message: string,
  ) {
    super(message);
  }
}

/** Control frame types, numbered from 1 in this order. */
export const controlKinds = [
  "hello",
  "offer",
  "accept",
  "reject",
  "ack",
  "verified",
  "turn",
  "hold",
  "bye",
] as const;
const BODY_BYTES: Record<ControlBody["kind"], number> = {
  hello: 18,
  offer: 43,
  accept: 55,
  reject: 33,
  ack: 17,
  verified: 32,
  turn: 0,
  hold: 4,
  bye: 0,
};

/** Bytes of an encoded control frame of this kind. */
export function controlFrameBytes(kind: ControlBody["kind"]): number {
  return 2 + BODY_BYTES[kind];
}
