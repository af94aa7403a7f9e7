/**
 * KISS framing (the TNC host protocol of K9NG and KA9Q): frames between
 * FEND bytes, FEND and FESC inside escaped as FESC TFEND and FESC TFESC,
 * the first byte holding the port (high nibble) and the command (low
 * nibble; 0 = data). RNode firmware uses whole command bytes of its own.
 *
 * @example
 * ```ts
 * import { encodeKiss, KissDecoder } from "./kiss_codec.ts";
 * const frames: number[][] = [];
 * const decoder = new KissDecoder(1024, (command, payload) => frames.push([command, ...payload]));
 * decoder.push(encodeKiss(0x00, new Uint8Array([0xc0, 1])));
 * console.assert(JSON.stringify(frames) === "[[0,192,1]]");
 * ```
 * @module
 */

/** Frame delimiter. */
export const FEND = 0xc0;
/** Escape byte. */
export const FESC = 0xdb;
/** Escaped FEND. */
export const TFEND = 0xdc;
/** Escaped FESC. */
export const TFESC = 0xdd;

/** Encodes one frame: FEND, escaped `command` and `payload`, FEND. */
export function encodeKiss(command: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + 2 * (payload.length + 1));
  let n = 0;
  out[n++] = FEND;
  const put = (b: number) => {
    if (b === FEND) (out[n++] = FESC, out[n++] = TFEND);
    else if (b === FESC) (out[n++] = FESC, out[n++] = TFESC);
    else out[n++] = b;
  };
  put(command & 0xff);
  for (const b of payload) put(b);
  out[n++] = FEND;
  return out.slice(0, n);
}

/**
 * Decodes a KISS byte stream into frames. Bytes before the first FEND, empty
 * frames, frames over `frameBytesMax` and frames with a bad escape are
 * dropped (counted in {@linkcode KissDecoder.malformed}); decoding always
 * resynchronises at the next FEND.
 */
export class KissDecoder {
  /** Frames dropped as oversized or badly escaped. */
  malformed = 0;
  readonly #max: number;
  readonly #onFrame: (command: number, payload: Uint8Array) => void;
  readonly #buffer: Uint8Array;
  #length = 0;
  #inFrame = false;
  #escaped = false;
  #bad = false;

  /** `frameBytesMax` counts the command byte and the payload. */
  constructor(frameBytesMax: number, onFrame: (command: number, payload: Uint8Array) => void) {
    this.#max = frameBytesMax;
    this.#onFrame = onFrame;
    this.#buffer = new Uint8Array(frameBytesMax);
  }

  /** Feeds received bytes; complete frames go to `onFrame`. */
  push(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === FEND) {
        this.#finish();
        this.#inFrame = true;
        continue;
      }
      if (!this.#inFrame || this.#bad) continue;
      let value = b;
      if (this.#escaped) {
        this.#escaped = false;
        if (b === TFEND) value = FEND;
        else if (b === TFESC) value = FESC;
        else {
          this.#bad = true;
          continue;
        }
      } else if (b === FESC) {
        this.#escaped = true;
        continue;
      }
      if (this.#length >= this.#max) {
        this.#bad = true;
        continue;
      }
      this.#buffer[this.#length++] = value;
    }
  }

  #finish(): void {
    if (this.#inFrame && (this.#bad || this.#escaped)) this.malformed++;
    else if (this.#inFrame && this.#length > 0) {
      this.#onFrame(this.#buffer[0] ?? 0, this.#buffer.slice(1, this.#length));
    }
    this.#length = 0;
    this.#escaped = false;
    this.#bad = false;
  }
}
