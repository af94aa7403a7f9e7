/**
 * File operations that run either on Deno's thread pool or right here.
 *
 * Deno performs every asynchronous file operation on a pool thread; the
 * round trip costs about 60-100 µs on a small machine, more than the
 * operation itself for the small steps toss takes per packet (open a
 * packet, read 500 bytes, write a 9-byte file, flush a folder). A one-shot
 * command (`ferry toss`, `ferry xfer`, `ferry bundle`) has nothing else to
 * do meanwhile, so it calls {@linkcode setBlockingIo} and these helpers make
 * the synchronous calls instead. The agent leaves it off: a flush that takes
 * 50 ms on an SD card must not stall its radio links and timers.
 *
 * @example
 * ```ts
 * import { openFile, readSome, setBlockingIo, syncFile, writeAll } from "./blocking.ts";
 * setBlockingIo(true);
 * const path = await Deno.makeTempFile();
 * const file = await openFile(path, { write: true, read: true });
 * await writeAll(file, new Uint8Array([1, 2, 3]));
 * await syncFile(file);
 * file.seekSync(0, Deno.SeekMode.Start);
 * console.assert((await readSome(file, new Uint8Array(8))) === 3);
 * file.close();
 * setBlockingIo(false);
 * await Deno.remove(path);
 * ```
 * @module
 */

let blocking = false;
let flushOnPool = false;

/**
 * Makes the helpers below call the file system directly (true) or through
 * the pool (false, the default). With `flushOnPool`, fsyncs still go to the
 * pool: a caller that keeps two jobs going (toss tosses two packets at a
 * time) lets one job work while the other's fsync waits for the disk, and
 * the two fsyncs share a journal commit.
 */
export function setBlockingIo(on: boolean, options: { flushOnPool?: boolean } = {}): void {
  blocking = on;
  flushOnPool = options.flushOnPool ?? false;
}

/** True when the helpers call the file system directly. */
export function isBlockingIo(): boolean {
  return blocking;
}

function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** `Deno.open`. */
export function openFile(path: string, options: Deno.OpenOptions): Promise<Deno.FsFile> {
  return blocking ? settle(() => Deno.openSync(path, options)) : Deno.open(path, options);
}

/** `file.read`: up to `into.length` bytes, null at the end. */
export function readSome(file: Deno.FsFile, into: Uint8Array): Promise<number | null> {
  return blocking ? settle(() => file.readSync(into)) : file.read(into);
}

/** Writes all of `data` (`file.write` may write less than asked). */
export async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let off = 0;
  if (blocking) {
    while (off < data.length) off += file.writeSync(data.subarray(off));
    return;
  }
  while (off < data.length) off += await file.write(data.subarray(off));
}

/** `file.sync`: contents and metadata to disk. */
export function syncFile(file: Deno.FsFile): Promise<void> {
  return blocking && !flushOnPool ? settle(() => file.syncSync()) : file.sync();
}

/** A {@linkcode readSome} view of `file`, for code that takes a byte source. */
export function fileSource(file: Deno.FsFile): { read(into: Uint8Array): Promise<number | null> } {
  return { read: (into) => readSome(file, into) };
}
