/**
 * The list of commands `ferry` offers. A command appears here (and so in
 * `--help`) only once it works.
 * @module
 */

import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { registerInit } from "./init.ts";
import { registerPubkey } from "./pubkey.ts";
import { registerStat } from "./stat.ts";
import { registerLog } from "./log.ts";
import { registerSend } from "./send.ts";
import { registerToss } from "./toss.ts";
import { registerReass } from "./reass.ts";
import { registerQueue } from "./queue.ts";
import { registerXfer } from "./xfer.ts";
import { registerBundle } from "./bundle.ts";
import { registerCheck } from "./check.ts";
import { registerMedia } from "./media.ts";
import { registerLink } from "./link.ts";
import { registerAgent } from "./agent.ts";
import { registerCall, registerDaemon } from "./online.ts";
import { registerRm } from "./rm.ts";
import { registerNeigh } from "./neigh.ts";
import { registerSystemdDropin } from "./systemd_dropin.ts";

/** Adds one command (with its help and example) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Every command, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerPubkey,
  registerNeigh,
  registerSend,
  registerToss,
  registerReass,
  registerXfer,
  registerBundle,
  registerMedia,
  registerLink,
  registerAgent,
  registerDaemon,
  registerCall,
  registerSystemdDropin,
  registerStat,
  registerCheck,
  registerRm,
  registerLog,
  registerQueue,
];
