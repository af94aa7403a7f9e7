/**
 * `ferry init`: print a new node configuration with fresh keys.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { renderNewConfig } from "../../config/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import {
  dirname,
  lookupUser,
  permissionHint,
  processUser,
  userName,
  writeFileAtomic,
} from "../../fsutil/mod.ts";

/** Registers `ferry init`. */
export function registerInit(program: Command, ctx: CliContext): void {
  program.command("init")
    .description("print a new node configuration with fresh keys (like nncp-cfgnew)")
    .option("--name <name>", "human name of this node", Deno.hostname?.() ?? "node")
    .option("--spool <dir>", "spool folder", "/var/spool/ferry")
    .option("--log <file>", "log file (default: SPOOL/log)")
    .option(
      "--incoming <dir>",
      "folder for received files: set on neigh.self, and given to each neighbour `ferry neigh add` adds",
    )
    .option(
      "-o, --output <file>",
      "write the configuration to FILE (mode 0600, written atomically, never over an existing file)",
    )
    .option(
      "--owner <user>",
      "with --output: the user who owns FILE (the agent's user, e.g. ferry)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  ferry init --name shed --output /etc/ferry/ferry.hjson --owner ferry   # as root\n" +
        "  ferry init --name house --spool /srv/ferry/spool --incoming /srv/ferry/in -o house.hjson\n",
    )
    .action(async (opts: InitOpts) => {
      const name = sanitizeName(opts.name);
      for (
        const [flag, value] of [["--spool", opts.spool], ["--log", opts.log], [
          "--incoming",
          opts.incoming,
        ]] as const
      ) {
        if (value !== undefined && !value.startsWith("/")) {
          throw new UsageError(`${flag} must be an absolute path, not ${JSON.stringify(value)}`);
        }
      }
      if (opts.owner !== undefined && opts.output === undefined) {
        throw new UsageError("--owner needs --output FILE");
      }
      const text = renderNewConfig({
        name,
        spool: opts.spool,
        ...(opts.log !== undefined ? { log: opts.log } : {}),
        ...(opts.incoming !== undefined ? { incoming: opts.incoming } : {}),
      });
      if (opts.output === undefined) {
        ctx.out(text);
        return;
      }
      await writeConfigFile(opts.output, text, opts.owner);
      const owner = opts.owner ?? userName(Deno.uid());
      ctx.log.info("init-written", { file: opts.output, mode: "0600", owner });
    });
}

interface InitOpts {
  name: string;
  spool: string;
  log?: string;
  incoming?: string;
  output?: string;
  owner?: string;
}

/** Writes a new configuration: mode 0600 and its owner set before it gets its name. */
async function writeConfigFile(path: string, text: string, ownerName?: string): Promise<void> {
  let owner: { uid: number; gid: number } | undefined;
  if (ownerName !== undefined) {
    const user = lookupUser(ownerName);
    if (!user) {
      throw new UsageError(
        `--owner: there is no user ${JSON.stringify(ownerName)} (scripts/install.sh makes ferry)`,
      );
    }
    owner = { uid: user.uid, gid: user.gid };
  }
  try {
    await writeFileAtomic(path, new TextEncoder().encode(text), {
      mode: 0o600,
      noReplace: true,
      ...(owner ? { owner } : {}),
    });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new CliError(
        `${path} exists already: ferry init never replaces a configuration (it holds keys); ` +
          "move it aside first if you really mean to start again",
      );
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      const what = owner && Deno.uid() !== 0 && Deno.uid() !== owner.uid
        ? `only root can give a file to ${ownerName}; run this as root`
        : permissionHint(dirname(path));
      throw new CliError(`cannot write ${path} as ${processUser()}: ${what}`);
    }
    if (err instanceof Deno.errors.NotFound) {
      throw new CliError(`cannot write ${path}: the folder ${dirname(path)} does not exist`);
    }
    throw err;
  }
}

function sanitizeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name) || name === "self") {
    throw new UsageError(
      `--name must be 1-63 letters, digits, ".", "_" or "-" (and not "self"), not ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}
