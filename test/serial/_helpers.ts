/**
 * Helpers shared by the link tests: bounded waits and exact reads.
 * @module
 */

import type { ByteLink, FrameLink } from "../../hw/link/link.ts";

/** Default bound on any single wait in these tests, in ms. */
export const testWaitMs = 5000;

/** Rejects with a clear message when `promise` takes longer than `ms`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  ms = testWaitMs,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads from `link` until exactly `n` bytes arrived; fails on end of stream or timeout. */
export async function readExactly(
  link: ByteLink,
  n: number,
  ms = testWaitMs,
  chunks?: number[],
): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  const deadline = Date.now() + ms;
  while (got < n) {
    const left = deadline - Date.now();
    const chunk = await withTimeout(link.read(), `reading byte ${got} of ${n}`, Math.max(1, left));
    if (chunk === null) throw new Error(`End of stream after ${got} of ${n} bytes`);
    if (chunk.length === 0) throw new Error("read() resolved with an empty array");
    if (got + chunk.length > n) throw new Error(`Got ${got + chunk.length} bytes, expected ${n}`);
    out.set(chunk, got);
    got += chunk.length;
    chunks?.push(chunk.length);
  }
  return out;
}

/** Receives one frame within the wait bound; fails on `null`. */
export async function receiveFrame(link: FrameLink, ms = testWaitMs): Promise<Uint8Array> {
  const frame = await withTimeout(link.receive(), "receiving a frame", ms);
  if (frame === null) throw new Error("receive() resolved null: the link ended");
  return frame;
}

/** Deterministic test bytes. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
