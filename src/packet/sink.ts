/**
 * Where decrypted payloads go. A {@linkcode PayloadSink} receives payload
 * bytes while the packet is still being checked, and learns the verdict at
 * the end: `commit()` only after every block, the size and the padding were
 * verified, `abort()` on any failure. Nothing written before `commit()` may
 * be treated as delivered.
 *
 * @example
 * ```ts
 * import { memorySink } from "./sink.ts";
 * const sink = memorySink(1024);
 * await sink.write(new Uint8Array([1, 2]));
 * await sink.commit();
 * console.assert(sink.bytes()?.length === 2);
 * ```
 * @module
 */

import { PacketFormatError } from "./errors.ts";
import { WRITE_BATCH_BYTES } from "./limits.ts";
import { writeAll } from "./io.ts";

/** The receiving end of a decryption. */
export interface PayloadSink {
  /** Takes the next payload bytes (provisional). The chunk is not reused by the caller. */
  write(chunk: Uint8Array): Promise<void> | void;
  /** The packet verified: make the payload final. */
  commit(): Promise<void> | void;
  /** The packet failed (or the caller gave up): discard everything written. */
  abort(reason: unknown): Promise<void> | void;
}

/** A sink that keeps the payload in memory, refusing more than `bytesMax`. */
export interface MemorySink extends PayloadSink {
  /** The payload after `commit()`; undefined before it or after `abort()`. */
  bytes(): Uint8Array | undefined;
}

/** Collects the payload in memory (for small payloads: freq names, tests). */
export function memorySink(bytesMax: number): MemorySink {
  let chunks: Uint8Array[] = [];
  let length = 0;
  let result: Uint8Array | undefined;
  return {
    write(chunk) {
      length += chunk.length;
      if (length > bytesMax) {
        throw new PacketFormatError(
          "too-big",
          `Cannot keep payload in memory: it passes the limit of ${bytesMax} bytes`,
        );
      }
      chunks.push(chunk);
    },
    commit() {
      result = new Uint8Array(length);
      let pos = 0;
      for (const chunk of chunks) {
        result.set(chunk, pos);
        pos += chunk.length;
      }
      chunks = [];
    },
    abort() {
      chunks = [];
      result = undefined;
    },
    bytes: () => result,
  };
}

/** A sink that drops the payload (to check a packet without keeping it). */
export function discardSink(): PayloadSink {
  return { write() {}, commit() {}, abort() {} };
}

/** Options of {@linkcode fileSink}. */
export interface FileSinkOptions {
  /** fsync the file before it gets its final name (and the folder after). Default true. */
  fsync?: boolean;
  /** Replace an existing file at the path. Default false: commit fails with `AlreadyExists`. */
  overwrite?: boolean;
}

/**
 * Writes the payload to a hidden temporary file next to `path`; `commit()`
 * flushes, fsyncs and moves it to `path`; `abort()` removes it. A file under
 * its final name is always complete and verified.
 */
export async function fileSink(path: string, options: FileSinkOptions = {}): Promise<PayloadSink> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const base = path.slice(slash + 1);
  const temp = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.part`;
  const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
  let batch = new Uint8Array(WRITE_BATCH_BYTES);
  let spare = new Uint8Array(WRITE_BATCH_BYTES);
  let fill = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;
  const close = () => {
    if (!closed) file.close();
    closed = true;
  };
  const flush = async () => {
    await inFlight;
    const full = batch.subarray(0, fill);
    inFlight = writeAll(file, full);
    inFlight.catch(() => {}); // surfaces at the next flush or commit
    [batch, spare] = [spare, batch];
    fill = 0;
  };
  return {
    async write(chunk) {
      if (fill + chunk.length > batch.length) await flush();
      if (chunk.length >= batch.length) {
        await inFlight;
        await writeAll(file, chunk);
        return;
      }
      batch.set(chunk, fill);
      fill += chunk.length;
    },
    async commit() {
      await flush();
      await inFlight;
      if (options.fsync !== false) await file.sync();
      close();
      if (options.overwrite) await Deno.rename(temp, path);
      else {
        await Deno.link(temp, path);
        await Deno.remove(temp);
      }
      if (options.fsync !== false) await syncDir(dir);
    },
    async abort() {
      await inFlight.catch(() => {});
      close();
      await Deno.remove(temp).catch(() => {});
    },
  };
}

/** fsyncs a folder so a rename in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  using handle = await Deno.open(dir, { read: true });
  await handle.sync().catch(() => {});
}

/** A sink that sends the payload to two sinks (for example: relay a packet and read it). */
export function teeSink(a: PayloadSink, b: PayloadSink): PayloadSink {
  return {
    async write(chunk) {
      await a.write(chunk);
      await b.write(chunk);
    },
    async commit() {
      await a.commit();
      await b.commit();
    },
    async abort(reason) {
      await a.abort(reason);
      await b.abort(reason);
    },
  };
}
