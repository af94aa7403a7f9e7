/**
 * Running a configured serial link: open the port and the modem driver,
 * put ferry's frame checks on top, account airtime against the duty-cycle
 * budget (kept on disk, so a restart never resets it), and run a link
 * session over the spool. Used by `ferry link` and by the agent.
 * @module
 */

import type { LinkSettings } from "../config/ferry_links.ts";
import { writeFileAtomic } from "../fsutil/mod.ts";
import {
  AirtimeBudget,
  type AirtimeEntry,
  bitrateAirtime,
  type LinkSessionResult,
  type LinkStatus,
  loraAirtime,
  openCheckedLink,
  runLinkSession,
  SpoolLinkStore,
} from "../link/mod.ts";
import type { NodeContext } from "../node/context.ts";
import { type Clock, systemClock } from "../../hw/clock/clock.ts";
import { openSerialModem } from "../../hw/modem/mod.ts";

/** Airtime records kept on disk per link (one hour of frames at most). */
export const airtimeHistoryMax = 20_000;

/** AX.25 header, FCS and one HDLC flag per frame, bytes. */
export const ax25FrameOverheadBytes = 16 + 2 + 1;
/** Bits on air per byte with HDLC bit stuffing of random data (one stuffed bit per 62 on average). */
export const ax25BitsPerByte = 8 * (1 + 1 / 62);
/** TXDELAY and slot time assumed for a KISS TNC whose parameters are not configured (Dire Wolf's defaults), ms. */
export const kissTxDelayMsDefault = 300;
export const kissSlotTimeMsDefault = 100;

/**
 * The least latency two KISS TNCs add to a reply, both ways together: each
 * waits a slot on a clear channel and keys up for TXDELAY before its frames.
 * AX.25 TNCs (a callsign or channel-access parameters are configured) are
 * assumed to use Dire Wolf's defaults unless told; RNodes (raw frames) add
 * no fixed latency the timers need to start from.
 */
export function kissLatencyMs(settings: LinkSettings): number {
  const o = settings.options;
  if (o["callsign"] === undefined && o["tnc"] === undefined) return 0;
  const tnc = (o["tnc"] ?? {}) as { txDelayMs?: number; slotTimeMs?: number };
  return 2 * ((tnc.txDelayMs ?? kissTxDelayMsDefault) + (tnc.slotTimeMs ?? kissSlotTimeMsDefault));
}

/** How a link run ends and what it reports. */
export interface RunLinkOptions {
  stopWhen: "idle" | "never";
  /** Stop at this clock time (ms). */
  untilMs?: number;
  signal?: AbortSignal;
  onStatus?: (status: LinkStatus) => void;
  /** Called once the port is open, with the airtime left in the budget (Infinity without one), ms. */
  onOpen?: (budgetLeftMs: number) => void;
  statusEveryMs?: number;
  clock?: Clock;
}

function historyPath(ctx: NodeContext, peerId: string): string {
  return `${ctx.spool.nodeDir(peerId)}/link-airtime.json`;
}

async function loadHistory(path: string): Promise<AirtimeEntry[]> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e) =>
      typeof e?.startMs === "number" && typeof e?.durationMs === "number" && e.durationMs >= 0
    ).slice(-airtimeHistoryMax);
  } catch {
    return [];
  }
}

/** Runs one session on the link `settings` describes. */
export async function runConfiguredLink(
  ctx: NodeContext,
  settings: LinkSettings,
  options: RunLinkOptions,
): Promise<LinkSessionResult> {
  const peer = ctx.config.neigh.get(settings.node);
  if (!peer) throw new RangeError(`unknown node ${JSON.stringify(settings.node)}`);
  const clock = options.clock ?? systemClock;
  const log = ctx.log.child({ link: settings.node });
  const ax25 = settings.modem === "kiss" && typeof settings.options["callsign"] === "string";
  const airtime = settings.lora
    ? loraAirtime({
      spreadingFactor: settings.lora.sf,
      bandwidthHz: settings.lora.bwKhz * 1000,
      codingRate: settings.lora.cr,
      preambleSymbols: settings.lora.preamble,
    })
    : bitrateAirtime({
      bitsPerSecond: settings.bitRate,
      bitsPerByte: settings.modem === "cable" ? 10 : ax25 ? ax25BitsPerByte : 8,
      // AX.25 over HDLC: the 16-byte header, the 2-byte FCS and a flag on air per frame.
      ...(ax25 ? { frameOverheadMs: (ax25FrameOverheadBytes * 8 * 1000) / settings.bitRate } : {}),
    });
  const limits = settings.modem === "kiss" ? { linkLatencyMs: kissLatencyMs(settings) } : {};
  const histFile = historyPath(ctx, peer.idText);
  const budget = settings.dutyCycle < 1
    ? new AirtimeBudget({ dutyCycle: settings.dutyCycle, history: await loadHistory(histFile) })
    : null;
  const saveBudget = async () => {
    if (!budget) return;
    const entries = budget.history().slice(-airtimeHistoryMax);
    await Deno.mkdir(ctx.spool.nodeDir(peer.idText), { recursive: true });
    await writeFileAtomic(histFile, new TextEncoder().encode(JSON.stringify(entries)));
  };
  const modem = await openSerialModem({
    path: settings.port,
    kind: settings.modem,
    // deno-lint-ignore no-explicit-any
    options: settings.options as any,
    baudRate: settings.baud,
    clock,
    log,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const link = openCheckedLink(
    modem.framing === "frames"
      ? { frames: modem.link }
      : { bytes: modem.link, encodedBytesMax: settings.encodedBytesMax },
    log,
  );
  log.info("link-open", {
    port: settings.port,
    modem: settings.modem,
    baud: settings.baud,
    airtime: airtime.label,
    dutyCycle: settings.dutyCycle,
  });
  options.onOpen?.(budget ? budget.availableMs(clock.now()) : Number.POSITIVE_INFINITY);
  try {
    const result = await runLinkSession({
      link,
      clock,
      store: new SpoolLinkStore(ctx.spool, log),
      localNode: ctx.self.idText,
      peerNode: peer.idText,
      airtime,
      budget,
      limits,
      log,
      stopWhen: options.stopWhen,
      ...(options.untilMs !== undefined ? { untilMs: options.untilMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.statusEveryMs !== undefined ? { statusEveryMs: options.statusEveryMs } : {}),
      onStatus: (status) => {
        saveBudget().catch((err) => log.warn("link-budget-save-failed", { error: err.message }));
        options.onStatus?.(status);
      },
    });
    return result;
  } finally {
    await saveBudget().catch((err) => log.warn("link-budget-save-failed", { error: err.message }));
    await link.close().catch(() => {});
  }
}
