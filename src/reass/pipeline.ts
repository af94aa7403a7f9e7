/**
 * The fast path of a reassembly: chunks read straight into the SIMD leaf
 * hasher's memory, hashed there, and written from there, while the write
 * of the previous pieces runs on a pool thread.
 *
 * {@linkcode reassPipelineBuffers} hashers ({@linkcode Blake3Leaves}, each
 * with its own 512 KiB input area) take turns: a piece of a chunk is read
 * into one hasher's input area (no copy in between), its whole 128 KiB
 * blocks are hashed in place, and the same bytes are handed to the writer,
 * which writes them at their offset in the temporary file while this thread
 * reads and hashes the next pieces into the other hashers; the next piece
 * is read on a pool thread meanwhile. A hasher is filled again only once
 * its bytes are written. The pieces of one chunk are written side by side
 * (several writes in flight keep the disk busy without this thread's help),
 * but only once every write of the chunks before has landed and their step
 * (`chunk-written:i`) was reported: at that step the file holds exactly the
 * chunks up to `i`.
 *
 * Each chunk's MTH is built from the leaf hashes as they come
 * ({@linkcode Mth.addLeafHash}); a last partial block goes through
 * {@linkcode Mth.update}. A chunk that does not match its checksum stops
 * the writing, like the plain path.
 * @module
 */

import { Blake3Leaves, LEAF_BYTES } from "../crypto/blake3_leaves.ts";
import { ID_BYTES, Mth, MTH_LEAF_KEY } from "../packet/mod.ts";

/**
 * Hashers (each 640 KiB of WebAssembly memory, a 512 KiB input area) taking
 * turns: one hashed, one being read, the others being written. Measured on
 * 1 GiB in 4 MiB chunks on two cores: 6 about 10 % faster than 4, 8 no
 * faster than 6.
 */
export const reassPipelineBuffers = 6;

/**
 * Waits for every one of `writes` (none may still touch its buffer or the file
 * afterwards), then fails with the first failure, if any.
 */
export async function allWritten(writes: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Writes `data` at `offset` of the output; `data` is not touched until the promise settles. */
export type PositionalWrite = (data: Uint8Array, offset: number) => Promise<void>;

/** What the pipeline needs of its caller. */
export interface PipelineJob {
  chunkPaths: string[];
  /** Bytes of chunk `i` (from the meta). */
  chunkBytes(i: number): number;
  /** MTH of chunk `i` (from the meta). */
  checksum(i: number): Uint8Array;
  /** Where the bytes go, or null to check only. */
  write: PositionalWrite | null;
  /** Called once chunk `i` is written (only while every chunk so far was good). */
  written(i: number): void | Promise<void>;
}

/** A set of hashers not in use, kept for the next reassembly (one set at most). */
let spare: Blake3Leaves[] | null = null;

/**
 * Hashers for one pipeline, or null where WebAssembly SIMD is missing. Give
 * them back with {@linkcode releaseHashers} once the pipeline has returned;
 * two reassemblies at once get two sets.
 */
export function takeHashers(): Blake3Leaves[] | null {
  if (spare !== null) {
    const set = spare;
    spare = null;
    return set;
  }
  const hashers: Blake3Leaves[] = [];
  for (let i = 0; i < reassPipelineBuffers; i++) {
    const h = Blake3Leaves.create(MTH_LEAF_KEY);
    if (h === null) return null;
    hashers.push(h);
  }
  return hashers;
}

/** Keeps `hashers` (from {@linkcode takeHashers}, no longer used) for the next reassembly. */
export function releaseHashers(hashers: Blake3Leaves[]): void {
  spare ??= hashers;
}

/** One piece of a chunk: at most one hasher's input area. */
interface Piece {
  chunk: number;
  len: number;
  first: boolean;
  last: boolean;
}

/** The pieces of every chunk, in file order. */
function* piecesOf(job: PipelineJob, area: number): Generator<Piece> {
  for (let i = 0; i < job.chunkPaths.length; i++) {
    const want = job.chunkBytes(i);
    let off = 0;
    do {
      const len = Math.min(area, want - off);
      yield { chunk: i, len, first: off === 0, last: off + len >= want };
      off += len;
    } while (off < want);
  }
}

/** What reading a piece gave: `n` bytes, and for a chunk's last piece whether more followed. */
interface ReadResult {
  n: number;
  grew: boolean;
}

/**
 * Reads, checks and writes every chunk of `job` with `hashers`; answers the
 * problems found (empty: every chunk matched and all of it is written).
 * The next piece is read on a pool thread while this one is hashed.
 * @throws what reading or writing throws (the reads and writes in flight are waited for first).
 */
export async function runPipeline(job: PipelineJob, hashers: Blake3Leaves[]): Promise<string[]> {
  const bad: string[] = [];
  const mth = await Mth.create();
  /** The step of the last chunk queued: it follows every write of that chunk and the chunks before. */
  let tail: Promise<void> = Promise.resolve();
  /** The writes of a chunk start once the chunk before is written (and its step reported). */
  let gate: Promise<void> = tail;
  /** The writes of the chunk being read. */
  let chunkWrites: Promise<void>[] = [];
  /** Per hasher, the write of its bytes (it is refilled only after that). */
  const busy: Promise<void>[] = hashers.map(() => Promise.resolve());
  const probe = new Uint8Array(1);
  let file: Deno.FsFile | null = null;
  /** Reads `piece` into hasher `k` once that hasher's bytes are written; one read at a time. */
  const readPiece = async (piece: Piece, k: number): Promise<ReadResult> => {
    await busy[k];
    if (piece.first) file = await Deno.open(job.chunkPaths[piece.chunk]!, { read: true });
    const into = hashers[k]!.input;
    let n = 0;
    while (n < piece.len) {
      const r = await file!.read(into.subarray(n, piece.len));
      if (r === null) break;
      n += r;
    }
    let grew = false;
    if (piece.last) {
      // A chunk longer than the meta says grew after it was checked.
      grew = n === piece.len && (await file!.read(probe)) !== null;
      file!.close();
      file = null;
    }
    return { n, grew };
  };
  const pieces = piecesOf(job, hashers[0]!.input.length);
  let turn = 0;
  let current = pieces.next();
  let reading: Promise<ReadResult> | null = current.done ? null : readPiece(current.value, 0);
  reading?.catch(() => {}); // awaited below; never an unhandled rejection
  let fileOffset = 0;
  let got = 0;
  try {
    while (!current.done) {
      const piece = current.value;
      const k = turn;
      const { n, grew } = await reading!;
      turn = (turn + 1) % hashers.length;
      current = pieces.next();
      reading = current.done ? null : readPiece(current.value, turn);
      reading?.catch(() => {});
      const h = hashers[k]!;
      const whole = Math.floor(n / LEAF_BYTES);
      if (whole > 0) {
        const hashes = h.hashInput(whole);
        for (let j = 0; j < whole; j++) {
          mth.addLeafHash(hashes.subarray(j * ID_BYTES, (j + 1) * ID_BYTES));
        }
      }
      if (n > whole * LEAF_BYTES) mth.update(h.input.subarray(whole * LEAF_BYTES, n));
      got += n + (grew ? 1 : 0);
      if (job.write !== null && bad.length === 0 && n > 0) {
        const data = h.input.subarray(0, n);
        const at = fileOffset;
        const write = job.write;
        const written = gate.then(() => write(data, at));
        written.catch(() => {}); // awaited later; never an unhandled rejection
        busy[k] = written;
        chunkWrites.push(written);
      }
      fileOffset += n;
      if (!piece.last) continue;
      const i = piece.chunk;
      const p = job.chunkPaths[i]!;
      const want = job.chunkBytes(i);
      const sum = mth.digest();
      mth.reset();
      if (got !== want) {
        bad.push(
          `chunk ${i} (${p}) changed size while it was read (${got} bytes, the meta says ${want})`,
        );
      } else if (!bytesSame(sum, job.checksum(i))) {
        bad.push(`chunk ${i} (${p}) does not match its checksum in the meta`);
      }
      got = 0;
      if (bad.length === 0 && job.write !== null) {
        tail = allWritten(chunkWrites).then(() => job.written(i));
        tail.catch(() => {});
        gate = tail;
      }
      chunkWrites = [];
    }
  } finally {
    // Nothing may still read or write the hashers' memory (or the file) once this returns.
    await Promise.allSettled([reading, tail, ...busy, ...chunkWrites]);
    (file as Deno.FsFile | null)?.close();
  }
  await tail;
  return bad;
}

function bytesSame(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
