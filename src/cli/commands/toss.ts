/**
 * `ferry toss`: act on received packets (like nncp-toss).
 * @module
 */

import type { Command } from "../args/mod.ts";
import { setBlockingIo } from "../../fsutil/mod.ts";
import { toss } from "../../toss/mod.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNode, loadNodeContext } from "../node.ts";

/** Registers `ferry toss`. */
export function registerToss(program: Command, ctx: CliContext): void {
  program.command("toss")
    .description(
      "decrypt received packets and act on them: save files, run exec handlers, answer freqs, relay (like nncp-toss)",
    )
    .option("--node <node>", "only packets from this neighbour")
    .option("--cycle <sec>", "do not exit: toss again every SEC seconds")
    .option(
      "--seen",
      "leave seen/ markers so a packet is never tossed twice (the default unless ferry.toss.seen is false)",
    )
    .option("--noseen", "do not leave seen/ markers")
    .option("--nofile", "leave file packets alone")
    .option("--nofreq", "leave file requests alone")
    .option("--noexec", "leave exec packets alone")
    .option("--notrns", "leave transit packets alone")
    .option("--noarea", "leave area packets alone")
    .option(
      "--noreass",
      "do not reassemble chunked files when their last piece arrives (ferry.toss.reass)",
    )
    .option("--exec-timeout <sec>", "stop an exec handler after this many seconds", "3600")
    .addHelpText("after", "\nExamples:\n  ferry toss\n  ferry toss --node house --cycle 60\n")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      // A one-shot command: file steps go straight to the kernel, fsyncs to
      // the pool so that two packets' fsyncs overlap (see fsutil/blocking.ts).
      setBlockingIo(true, { flushOnPool: true });
      const node = await loadNodeContext(ctx);
      const cycle = opts.cycle === undefined ? undefined : Number(opts.cycle);
      if (cycle !== undefined && (!Number.isFinite(cycle) || cycle <= 0)) {
        throw new UsageError(
          `--cycle takes a number of seconds, not ${JSON.stringify(opts.cycle)}`,
        );
      }
      const timeout = Number(opts["execTimeout"]);
      if (!Number.isFinite(timeout) || timeout <= 0) {
        throw new UsageError("--exec-timeout takes a number of seconds");
      }
      const nodes = typeof opts.node === "string" ? [cliNode(node, opts.node)] : undefined;
      const seen = opts.noseen ? false : opts.seen ? true : node.config.ferry.toss.seen;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
      let failed = 0;
      let failedPackets: { node: string; id: string }[] = [];
      try {
        do {
          const summary = await toss(node, {
            seen,
            execTimeoutMs: timeout * 1000,
            signal: stop.signal,
            ...(nodes ? { nodes } : {}),
            noFile: !!opts.nofile,
            noFreq: !!opts.nofreq,
            noExec: !!opts.noexec,
            noTrns: !!opts.notrns,
            noArea: !!opts.noarea,
            reass: !opts.noreass && node.config.ferry.toss.reass,
          });
          failed = summary.failed;
          failedPackets = summary.failedPackets;
          if (summary.tossed + summary.failed + summary.duplicates > 0 || summary.busy.length > 0) {
            const { failedPackets: _named, ...counts } = summary;
            node.log.info("toss-done", { ...counts, busy: summary.busy.join(",") || undefined });
          }
          if (cycle === undefined || stop.signal.aborted) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, cycle * 1000);
            stop.signal.addEventListener("abort", () => {
              clearTimeout(t);
              resolve();
            }, { once: true });
          });
        } while (!stop.signal.aborted);
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
        Deno.removeSignalListener("SIGTERM", onSignal);
      }
      if (failed > 0) {
        const first = failedPackets[0];
        const named = failedPackets.map((p) => `${p.node}/${p.id}`).join(", ");
        throw new CliError(
          `${failed} packet(s) could not be tossed and stay in rx (${named}${
            failed > failedPackets.length ? ", ..." : ""
          }); the log lines above say why (again: ferry log --errors). A packet that can never ` +
            `be tossed can be removed` +
            (first ? `: ferry rm --node ${first.node} --rx --pkt ${first.id}` : " with ferry rm"),
        );
      }
    });
}
