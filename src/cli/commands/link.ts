/**
 * `ferry link`: one session over a serial radio or cable with a neighbour:
 * send what is queued for it, receive what it sends, until both sides are
 * idle or a limit is reached.
 * @module
 */

import type { Command } from "../args/mod.ts";
import type { LinkSettings } from "../../config/ferry_links.ts";
import {
  checkModemOptions,
  MODEM_KINDS,
  MODEM_TRAITS,
  type ModemKind,
} from "../../../hw/modem/mod.ts";
import { humanBytes } from "../../log/humanize.ts";
import { checkBaudRate } from "../../../hw/serial/mod.ts";
import { runConfiguredLink } from "../../radio/run_link.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNode, loadNodeContext } from "../node.ts";

interface LinkOpts {
  node: string;
  port?: string;
  modem?: string;
  callsign?: string;
  baud?: string;
  dutyCycle?: string;
  sf?: string;
  bwKhz?: string;
  cr?: string;
  bitRate?: string;
  maxSec?: string;
  stay?: boolean;
  statusSec: string;
}

function num(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a number in ${min}..${max}, not ${JSON.stringify(text)}`);
  }
  return n;
}

/** Registers `ferry link`. */
export function registerLink(program: Command, ctx: CliContext): void {
  program.command("link")
    .description(
      "run one session with a neighbour over a serial radio or cable: send what is queued, receive what it sends",
    )
    .requiredOption("--node <node>", "the neighbour at the other end")
    .option("--port <path>", "serial device (default: from ferry.links)")
    .option("--modem <kind>", `${MODEM_KINDS.join(", ")} (default: from ferry.links)`)
    .option(
      "--callsign <CALL[-SSID]>",
      "kiss: send AX.25 UI frames from this station (Dire Wolf, hardware TNCs)",
    )
    .option("--baud <n>", "serial speed (default: the module's usual speed)")
    .option(
      "--duty-cycle <percent>",
      "share of every sliding hour this side may transmit (radios default to 1)",
    )
    .option("--sf <n>", "LoRa spreading factor, for airtime accounting")
    .option("--bw-khz <n>", "LoRa bandwidth in kHz", undefined)
    .option("--cr <n>", "LoRa coding rate 1..4 (4/5..4/8)")
    .option("--bit-rate <bps>", "bits per second on air, for links that are not LoRa")
    .option("--max-sec <n>", "stop after this many seconds whatever is left")
    .option("--stay", "stay on the link when idle (until --max-sec or a signal)")
    .option("--status-sec <n>", "print the budget and queue estimate this often", "60")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry link --node house --port /dev/ttyUSB0 --modem rn2483 --sf 9\n" +
        "  ferry link --node shed --port /dev/ttyS0 --modem cable --baud 9600 --max-sec 600\n" +
        "  ferry link --node house      # port and modem from ferry.links\n" +
        "  ferry link --node barn --port /dev/ttyACM0 --modem kiss --callsign N0CALL-1 \\\n" +
        "    --bit-rate 1200 --duty-cycle 10\n" +
        "\nKISS TNCs: Dire Wolf, TNC-Pi, Mobilinkd, Kantronics and other AX.25 TNCs only send\n" +
        "AX.25 frames: give --callsign (or callsign in ferry.links) and ferry sends each frame as an\n" +
        "AX.25 UI frame from it to FERRY; RNodes take raw frames (no --callsign). TXDELAY,\n" +
        "persistence, slot time, TX tail and full duplex come from options.tnc in ferry.links.\n" +
        "\nThe law: amateur-radio rules in most countries forbid encrypted traffic, and NNCP packets\n" +
        "are always encrypted. Do not use ferry on amateur bands, whatever the TNC; use ISM-band\n" +
        "LoRa or licence-free data radios, within their power and duty-cycle limits.\n",
    )
    .action(async (opts: LinkOpts) => {
      const node = await loadNodeContext(ctx);
      const peer = cliNode(node, opts.node);
      const configured = node.config.ferry.links.find((l) => l.node === peer.name);
      const modemRaw = opts.modem ?? configured?.modem;
      if (!modemRaw || !(MODEM_KINDS as readonly string[]).includes(modemRaw)) {
        throw new UsageError(
          `--modem must be one of ${MODEM_KINDS.join(", ")}${
            configured ? "" : " (no ferry.links entry for this node)"
          }`,
        );
      }
      const modem = modemRaw as ModemKind;
      const port = opts.port ?? configured?.port;
      if (!port) throw new UsageError("--port is needed (no ferry.links entry for this node)");
      const baudFlag = num(opts.baud, "--baud", 50, 4_000_000);
      if (baudFlag !== undefined) {
        try {
          checkBaudRate(baudFlag);
        } catch (err) {
          throw new UsageError(`--baud: ${(err as Error).message}`);
        }
      }
      const baud = baudFlag ??
        (opts.modem ? undefined : configured?.baud) ?? MODEM_TRAITS[modem].defaultBaud;
      const sf = num(opts.sf, "--sf", 6, 12);
      const lora = sf !== undefined
        ? {
          sf,
          bwKhz: num(opts.bwKhz, "--bw-khz", 7.8, 500) ?? 125,
          cr: num(opts.cr, "--cr", 1, 4) ?? 1,
          preamble: 8,
        }
        : configured?.lora;
      const duty = num(opts.dutyCycle, "--duty-cycle", 0.001, 100);
      let options: Record<string, unknown> = opts.modem && opts.modem !== configured?.modem
        ? checkModemOptions(modem, {}, "--modem").options as Record<string, unknown>
        : configured?.options ?? {};
      if (opts.callsign !== undefined) {
        if (modem !== "kiss") throw new UsageError("--callsign needs --modem kiss");
        try {
          options = checkModemOptions(modem, { ...options, callsign: opts.callsign }, "--callsign")
            .options as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`--callsign: ${(err as Error).message}`);
        }
      }
      const settings: LinkSettings = {
        node: peer.name,
        port,
        modem,
        baud,
        options,
        ...(lora ? { lora } : {}),
        dutyCycle: duty !== undefined
          ? duty / 100
          : configured?.dutyCycle ?? (modem === "cable" ? 1 : 0.01),
        bitRate: num(opts.bitRate, "--bit-rate", 1, 1e8) ?? configured?.bitRate ?? baud,
        encodedBytesMax: configured?.encodedBytesMax ?? 255,
        schedule: [],
      };
      const maxSec = num(opts.maxSec, "--max-sec", 1, 1e9);
      const statusSec = num(opts.statusSec, "--status-sec", 1, 86400)!;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
      try {
        const result = await runConfiguredLink(node, settings, {
          stopWhen: opts.stay ? "never" : "idle",
          ...(maxSec !== undefined ? { untilMs: Date.now() + maxSec * 1000 } : {}),
          signal: stop.signal,
          statusEveryMs: statusSec * 1000,
          onStatus: (s) =>
            node.log.info("link-status", {
              node: peer.name,
              queuePackets: s.queuePackets,
              queueBytes: s.queueBytes,
              budgetLeftSec: Number.isFinite(s.budgetLeftMs)
                ? (s.budgetLeftMs / 1000).toFixed(1)
                : "unlimited",
              queueEmptyAt: new Date(s.queueEmptyAtMs).toISOString(),
            }),
        });
        const st = result.stats;
        node.log.info("link-done", {
          node: peer.name,
          reason: result.reason,
          sent: st.packetsSent,
          sentBytes: humanBytes(st.bytesSent),
          received: st.packetsReceived,
          receivedBytes: humanBytes(st.bytesReceived),
          retransmitted: st.retransmittedFrames,
          turns: st.turns,
          replyTimeouts: st.turnTimeouts,
          replySrttMs: st.timer?.replySrttMs != null ? Math.round(st.timer.replySrttMs) : undefined,
          replyRttvarMs: st.timer ? Math.round(st.timer.replyRttvarMs) : undefined,
          replyTimeoutMs: st.timer ? Math.round(st.timer.replyTimeoutMs) : undefined,
          frameGapMs: st.timer?.frameGapMs != null ? Math.round(st.timer.frameGapMs) : undefined,
          airtimeSec: (st.airtimeMs / 1000).toFixed(1),
          budgetLeftSec: Number.isFinite(result.status.budgetLeftMs)
            ? (result.status.budgetLeftMs / 1000).toFixed(1)
            : "unlimited",
          queueLeft: result.status.queuePackets,
          queueEmptyAt: result.status.queuePackets > 0
            ? new Date(result.status.queueEmptyAtMs).toISOString()
            : undefined,
        });
        if (["stalled", "incompatible", "peer-lost"].includes(result.reason)) {
          throw new CliError(`the link session ended early: ${result.reason}`);
        }
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
        Deno.removeSignalListener("SIGTERM", onSignal);
      }
    });
}
