/**
 * ferry's radio link protocol (DESIGN §6): whole spool packets, keyed by
 * packet id, over slow, lossy, half-duplex, duty-cycle-limited links.
 *
 * Entry points:
 * - {@linkcode runLinkSession}: one session with one peer until both are
 *   idle (or `untilMs`, an abort, a lost or stalled peer); returns why it
 *   ended, counters, and a status report (budget left, queue-empty estimate);
 * - {@linkcode openCheckedLink}: the checked link a session needs, from a
 *   modem driver's FrameLink (`{ frames }`) or a raw ByteLink (`{ bytes }`);
 * - {@linkcode loraAirtime} / {@linkcode bitrateAirtime} and
 *   {@linkcode AirtimeBudget}: time on air and the duty cycle;
 * - {@linkcode DirStore}: the plain-directory packet store ({@linkcode LinkStore}
 *   is what a session needs; the NNCP spool implements it too).
 *
 * How a session goes (both sides run the same code; the node id that
 * sorts first speaks first):
 * 1. Greeting: HELLO frames carry random nonces until each side has seen
 *    its own echoed; frames before that may be left over from an earlier
 *    session and are ignored. A new nonce later means the peer restarted.
 * 2. Turns (half duplex): the side holding the turn sends its replies,
 *    then its OFFER or a burst of up to 32 data frames; every frame says
 *    how many follow and the last one passes the turn. When that last
 *    frame is lost the listener takes the turn once the burst must have
 *    ended; when no reply comes the holder repeats its turn after a
 *    timeout (backoff, jitter) and gives up after `turnRetriesMax`.
 * 3. Transfer: OFFER (id, size, nice, fragment size) → ACCEPT (origin,
 *    base, numbering epoch and bitmap, from the receiver's persisted
 *    state) → bursts chosen by selective repeat within a 64-fragment
 *    window → one ACK (base + bitmap) per burst, sent only after the
 *    receiver persisted what it got → once complete the receiver checks
 *    the packet id, commits, and answers VERIFIED (or REJECT); only then
 *    does the sender remove the packet. A restart resends at most one
 *    window.
 * 4. Niceness: between bursts a more urgent packet is offered first; the
 *    paused one resumes later where the receiver's state says.
 * 5. Airtime: every frame passes the budget (sliding window); bursts are
 *    sized to it and HOLD tells the peer how late this side's next turn
 *    will be. Idle permanent links poll at intervals growing to 5 min.
 *
 * Link overhead per data frame, counted in bytes on the wire of ferry's
 * own making (the radio's preamble, PHY header and PHY CRC are part of the
 * airtime model, and host-side encodings such as KISS escaping or the hex
 * of AT commands never reach the air):
 * - frame links (modem drivers): 2 header + 4 CRC-32 = 6 bytes, so a
 *   255-byte frame carries 249 packet bytes;
 * - byte links: 2 header + 4 CRC-32 + 1 COBS code + 1 delimiter = 8 bytes
 *   for encoded frames of up to 255 bytes (247 packet bytes each).
 * A session refuses to start on a link where this would exceed
 * `dataOverheadBytesMax` (8). Control frames (OFFER, ACK, ...) are extra
 * frames, one ACK per burst of up to 32 data frames.
 *
 * @example
 * ```ts
 * import { AirtimeBudget, DirStore, loraAirtime, openCheckedLink, runLinkSession } from "./mod.ts";
 * import { systemClock } from "../../hw/clock/clock.ts";
 * import type { FrameLink } from "../../hw/link/link.ts";
 * declare const modem: FrameLink;
 * declare const verifyId: (path: string, id: string) => Promise<boolean>;
 * const result = await runLinkSession({
 *   link: openCheckedLink({ frames: modem }),
 *   clock: systemClock,
 *   store: new DirStore({ root: "/var/spool/ferry-link", verifyId }),
 *   localNode: "SHED",
 *   peerNode: "HOUSE",
 *   airtime: loraAirtime({ spreadingFactor: 7 }),
 *   budget: new AirtimeBudget({ dutyCycle: 0.01 }),
 * });
 * console.log(result.reason, result.stats.packetsSent, result.status.budgetLeftMs);
 * ```
 * @module
 */

export { type AirtimeModel, bitrateAirtime, loraAirtime, type LoraSettings } from "./airtime.ts";
export { AirtimeBudget, type AirtimeEntry, type BudgetOptions } from "./budget.ts";
export { type AnyLink, type CheckedLink, crcFrameLink, openCheckedLink } from "./checked_link.ts";
export { CobsDeframer, cobsFrameLink, type CobsLinkOptions, encodeCobsFrame } from "./cobs_link.ts";
export { DirStore, type DirStoreOptions } from "./dir_store.ts";
export { checkLimits, type LinkLimits, linkLimitsDefault } from "./limits.ts";
export { LinkSession, runLinkSession } from "./session.ts";
export type {
  EndReason,
  LinkSessionOptions,
  LinkSessionResult,
  LinkStats,
  LinkStatus,
} from "./session_types.ts";
export type {
  LinkStore,
  OutgoingPacket,
  PacketReader,
  PartialPacket,
  ResumeState,
  VerifyId,
} from "../store/contract.ts";
export { SpoolLinkStore } from "../store/mod.ts";
