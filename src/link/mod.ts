/**
 * ferry's radio link protocol (DESIGN §6): whole spool packets, keyed by
 * packet id, over slow, lossy, half-duplex, duty-cycle-limited links.
 *
 * Entry points:
 * - {@linkcode runLinkSession}: one session with one peer until both are
 *   idle (or a deadline, an abort, or the peer is lost);
 * - {@linkcode crcFrameLink} / {@linkcode cobsFrameLink}: the checked link
 *   a session needs, over a modem's FrameLink or a raw ByteLink;
 * - {@linkcode loraAirtime} / {@linkcode bitrateAirtime} and
 *   {@linkcode AirtimeBudget}: airtime and duty cycle;
 * - {@linkcode DirStore}: the plain-directory packet store.
 *
 * @example
 * ```ts
 * import { AirtimeBudget, crcFrameLink, DirStore, loraAirtime, runLinkSession } from "./mod.ts";
 * import { systemClock } from "../../hw/clock/clock.ts";
 * import type { FrameLink } from "../../hw/link/link.ts";
 * declare const modem: FrameLink;
 * declare const verifyId: (path: string, id: string) => Promise<boolean>;
 * const result = await runLinkSession({
 *   link: crcFrameLink(modem),
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
export { type CheckedLink, crcFrameLink } from "./checked_link.ts";
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
} from "./store.ts";
