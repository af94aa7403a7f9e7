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
import { registerQueue } from "./queue.ts";
import { registerXfer } from "./xfer.ts";
import { registerBundle } from "./bundle.ts";
import { registerCheck } from "./check.ts";
import { registerMedia } from "./media.ts";
import { registerLink } from "./link.ts";
import { registerAgent } from "./agent.ts";
import { registerMqtt } from "./mqtt.ts";

/** Adds one command (with its help and example) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Every command, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerPubkey,
  registerSend,
  registerToss,
  registerXfer,
  registerBundle,
  registerMedia,
  registerLink,
  registerMqtt,
  registerAgent,
  registerStat,
  registerCheck,
  registerLog,
  registerQueue,
];
