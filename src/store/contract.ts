/**
 * The packet store every transport talks to (DESIGN §11): media and sync
 * folders, the serial link, NNCP's online protocol and the MQTT broker all
 * ask the spool the same questions through this contract and keep only their
 * wire format and timing. ferry's NNCP spool implements it in
 * `spool_store.ts` (`tx/` for outgoing, `rx/` for inbound, `.part` files for
 * partials); the link's tests also use a plain-directory version
 * (`src/link/dir_store.ts`).
 *
 * Contract, per peer node:
 * - outgoing packets are listed with id, size, nice and mtime, opened for
 *   reading at any offset, and removed by {@linkcode PacketStore.markSent}
 *   only once the peer confirmed it verified and stored the packet;
 * - an inbound packet is received into a partial: written at offsets,
 *   persisted (data synced, then a small resume state written temp →
 *   fsync → rename), and finally committed: its bytes are checked against
 *   the packet id and it moves atomically into the inbound area (temp →
 *   fsync → rename → fsync dir). A wrong id discards the partial.
 * - a packet already in the inbound area is reported by
 *   {@linkcode PacketStore.hasIncoming}, so it is never stored twice.
 *
 * Packet ids are the base32 text of the 32-byte id (NNCP's MTH).
 * @module
 */

/** An outgoing packet waiting for a peer. */
export interface OutgoingPacket {
  /** base32 packet id. */
  id: string;
  /** Size in bytes. */
  size: number;
  /** NNCP niceness 1..255; lower is more urgent. */
  nice: number;
  /** Modification time in ms (older goes first among equal nice). */
  mtimeMs: number;
}

/** Random-access reader of one outgoing packet. */
export interface PacketReader {
  /** Reads exactly `length` bytes at `offset`; rejects if the file is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Fills `into` with the bytes at `offset` (no allocation); rejects if the file is shorter. */
  readInto?(offset: number, into: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** What a receiver persisted about a partial packet. */
export interface ResumeState {
  /** Total size of the packet. */
  size: number;
  /** Fragment size the bitmap is counted in. */
  fragBytes: number;
  /** Bytes from the start that are all present and synced. */
  doneBytes: number;
  /** Fragments after `doneBytes` also present: bit i = fragment i (8 bytes, LSB first). */
  bitmap: Uint8Array;
}

/** A packet being received. */
export interface PartialPacket {
  /** The state persisted by an earlier session, or null when starting from zero. */
  readonly resume: ResumeState | null;
  /** Writes bytes at `offset` (not yet durable). */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Makes the written bytes durable, then records `state` atomically. */
  persist(state: ResumeState): Promise<void>;
  /**
   * Checks the complete bytes against the packet id. On a match the packet
   * moves into the inbound area and `true` is returned; otherwise the
   * partial data is discarded and `false` is returned. A receiver that
   * hashed every byte as it wrote it (from offset 0, in order) passes the
   * id it computed as `checkedId`; the store then compares that instead of
   * reading the bytes back.
   */
  commit(checkedId?: string): Promise<boolean>;
  /**
   * Releases the partial, keeping it on disk for a later session (with
   * `partLengthIsDone`, a part that holds no byte is removed).
   */
  close(): Promise<void>;
}

/** The store interface of a transport session. */
export interface PacketStore {
  /** Outgoing packets for `node`, in any order. */
  listOutgoing(node: string): Promise<OutgoingPacket[]>;
  /** Opens an outgoing packet for reading. */
  openOutgoing(node: string, id: string): Promise<PacketReader>;
  /** The peer has verified and stored the packet: remove it from outgoing. */
  markSent(node: string, id: string): Promise<void>;
  /** True when the packet from `node` is already in the inbound area. */
  hasIncoming(node: string, id: string): Promise<boolean>;
  /**
   * Opens (or resumes) the partial of an inbound packet of `size` bytes.
   * A persisted partial of a different size is discarded.
   */
  openIncoming(
    node: string,
    id: string,
    size: number,
    options?: IncomingOptions,
  ): Promise<PartialPacket>;
}

/** How a transport receives into a partial. */
export interface IncomingOptions {
  /**
   * NNCP's `.part` semantics, for transports that receive in order (NNCP's
   * online protocol): a part file without a resume state holds its first
   * `length` bytes, as NNCP leaves it, so resumption works across ferry and
   * NNCP. While such a partial is open its resume state is removed (the
   * length is the truth); {@linkcode PartialPacket.persist} writes it again.
   */
  partLengthIsDone?: boolean;
  /**
   * Writes on the calling thread (`writeSync`) instead of handing each write
   * to a blocking thread and back: for a receiver that writes one chunk at a
   * time and waits for it anyway (the MQTT transport). A chunk into the page
   * cache takes tens of microseconds; a disk that holds back dirty pages
   * holds the event loop as long.
   */
  writeInline?: boolean;
}

/** Checks a packet's bytes at `path` against its id. */
export type VerifyId = (path: string, id: string) => Promise<boolean>;

/** The name the link protocol used for {@linkcode PacketStore}. */
export type LinkStore = PacketStore;
