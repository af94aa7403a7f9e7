/**
 * `ferry daemon` and `ferry call`: NNCP's online protocol, as
 * `nncp-daemon` and `nncp-call` run it.
 * @module
 */

import type { Command } from "../args/mod.ts";
import { humanBytes } from "../../log/humanize.ts";
import { progressWanted } from "../../progress/progress.ts";
import {
  callNode,
  serveDaemon,
  serveStream,
  type SessionResult,
  type SessionStatus,
  spDaemonConnMax,
  spDaemonConnMaxDefault,
  spDefaultPort,
} from "../../sp/mod.ts";
import { announceDaemon } from "../../agent/online.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { cliNice, cliNode, loadNodeContext } from "../node.ts";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** SP payloads per second (NNCP's -rxrate/-txrate); 0 for no limit. */
function rate(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 1e9) {
    throw new UsageError(
      `${flag} takes a whole number of packets per second, not ${JSON.stringify(text)}`,
    );
  }
  return n;
}

function wholeSeconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 10 * 365 * 86400) {
    throw new UsageError(`${flag} takes a whole number of seconds, not ${JSON.stringify(text)}`);
  }
  return n;
}

/** Aborts `stop` on SIGINT/SIGTERM; returns the remover. */
function stopOnSignals(stop: AbortController): () => void {
  const on = () => stop.abort();
  Deno.addSignalListener("SIGINT", on);
  Deno.addSignalListener("SIGTERM", on);
  return () => {
    Deno.removeSignalListener("SIGINT", on);
    Deno.removeSignalListener("SIGTERM", on);
  };
}

const enc = new TextEncoder();

/** A one-line session display on standard error, only on a terminal. */
function statusLine(name: string): { show(s: SessionStatus): void; clear(): void } {
  if (!progressWanted()) return { show() {}, clear() {} };
  const write = (t: string) => void Deno.stderr.writeSync(enc.encode(t));
  return {
    show(s) {
      const eta = s.etaSec === undefined ? "" : ` ETA ${s.etaSec}s`;
      write(
        `\r${name} ${s.state}: rx ${humanBytes(s.rxBytes)} (${humanBytes(s.rxRate)}/s) ` +
          `tx ${humanBytes(s.txBytes)} (${humanBytes(s.txRate)}/s)${eta}\x1b[K`,
      );
    },
    clear() {
      write("\r\x1b[K");
    },
  };
}

function report(result: SessionResult, name: string): void {
  console.error(
    `${name}: ${result.rxPackets} packets received (${humanBytes(result.rxBytes)}), ` +
      `${result.txPackets} sent (${humanBytes(result.txBytes)})` +
      (result.error ? `: ${result.error}` : ""),
  );
}

/** Registers `ferry daemon`. */
export function registerDaemon(program: Command, ctx: CliContext): void {
  program.command("daemon")
    .description(
      "answer NNCP online sessions from neighbours: listen on TCP, or serve one session on stdin/stdout (like nncp-daemon)",
    )
    .option(
      "--bind <addr:port>",
      `listen here (repeatable; default [::]:${spDefaultPort})`,
      collect,
    )
    .option("--inetd", "serve one session on stdin/stdout (inetd, ssh, socat; NNCP's -ucspi)")
    .option("--maxconn <n>", "sessions at once", String(spDaemonConnMaxDefault))
    .option("--nice <nice>", "only packets at least this urgent go either way", "255")
    .option("--autotoss", "toss what a neighbour sent once its session ends")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry daemon --bind 127.0.0.1:5400 --autotoss\n" +
        "  socat TCP-LISTEN:5400,bind=127.0.0.1,reuseaddr,fork EXEC:'ferry daemon --inetd'\n",
    )
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const nice = cliNice(String(opts.nice));
      const maxConn = Number(opts.maxconn);
      if (!Number.isInteger(maxConn) || maxConn < 1 || maxConn > spDaemonConnMax) {
        throw new UsageError(`--maxconn takes 1..${spDaemonConnMax}, not ${opts.maxconn}`);
      }
      const bind = (opts.bind as string[] | undefined) ?? [`[::]:${spDefaultPort}`];
      if (opts.inetd && opts.bind) throw new UsageError("--inetd and --bind exclude each other");
      const node = await loadNodeContext(ctx);
      const stop = new AbortController();
      const remove = stopOnSignals(stop);
      try {
        if (opts.inetd) {
          const result = await serveStream(node, Deno.stdin.readable, Deno.stdout.writable, {
            nice,
            signal: stop.signal,
            ...(opts.autotoss ? { autotoss: true } : {}),
          });
          if (!result.ok) throw new CliError(`session failed: ${result.error ?? "unknown"}`);
          return;
        }
        // LAN announcements (mcd-send), as nncp-daemon makes them, while it listens.
        const mcdStop = new AbortController();
        stop.signal.addEventListener("abort", () => mcdStop.abort(), { once: true });
        const announcing = announceDaemon(node, bind, mcdStop.signal);
        try {
          await serveDaemon(node, {
            bind,
            maxConn,
            nice,
            signal: stop.signal,
            ...(opts.autotoss ? { autotoss: true } : {}),
          });
        } catch (err) {
          if (err instanceof RangeError || err instanceof Deno.errors.AddrInUse) {
            throw new CliError(`cannot listen: ${err.message}`);
          }
          throw err;
        } finally {
          mcdStop.abort();
          await announcing;
        }
      } finally {
        remove();
      }
    });
}

/** Registers `ferry call`. */
export function registerCall(program: Command, ctx: CliContext): void {
  program.command("call")
    .description(
      "call a neighbour online and exchange what waits on both sides (like nncp-call)",
    )
    .argument("<node[:addrname]>", "the neighbour, optionally with the name of one of its addrs")
    .argument("[forceaddr]", "host:port or '|command args' to use instead of its addrs")
    .option("--rx", "only receive")
    .option("--tx", "only send")
    .option("--nice <nice>", "only packets at least this urgent go either way", "255")
    .option("--onlinedeadline <sec>", "end when nothing but pings moved for this long")
    .option("--maxonlinetime <sec>", "end after this long in any case")
    .option("--pkts <ids>", "only receive these packets (comma separated ids)")
    .option("--rxrate <n>", "take in at most N SP packets a second (0: no limit)")
    .option("--txrate <n>", "send at most N SP packets a second (0: no limit)")
    .option("--autotoss", "toss what arrived once the session ends")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry call bob\n  ferry call bob:lan --rx --onlinedeadline 5\n" +
        "  ferry call bob --txrate 20\n" +
        "  ferry call bob '|socat - TCP:127.0.0.1:5400'\n",
    )
    .action(async (
      target: string,
      forceAddr: string | undefined,
      opts: Record<string, string | boolean | undefined>,
    ) => {
      if (opts.rx && opts.tx) throw new UsageError("--rx and --tx exclude each other");
      const nice = cliNice(String(opts.nice));
      const onlineDeadlineSec = wholeSeconds(opts.onlinedeadline as string, "--onlinedeadline");
      const maxOnlineTimeSec = wholeSeconds(opts.maxonlinetime as string, "--maxonlinetime");
      const rxRate = rate(opts.rxrate as string | undefined, "--rxrate");
      const txRate = rate(opts.txrate as string | undefined, "--txrate");
      const pkts = typeof opts.pkts === "string"
        ? opts.pkts.split(",").map((p) => p.trim()).filter((p) => p !== "")
        : undefined;
      for (const p of pkts ?? []) {
        if (!/^[A-Z2-7]{52}$/.test(p)) throw new UsageError(`--pkts: ${p} is not a packet id`);
      }
      const colon = target.indexOf(":");
      const name = colon > 0 ? target.slice(0, colon) : target;
      const addrName = colon > 0 ? target.slice(colon + 1) : undefined;
      const node = await loadNodeContext(ctx);
      const neighbour = cliNode(node, name);
      let addrs: string[];
      if (forceAddr !== undefined) addrs = [forceAddr];
      else if (addrName !== undefined) {
        const a = neighbour.addrs[addrName];
        if (!a) {
          throw new UsageError(
            `${neighbour.name} has no address named ${addrName} (it has: ${
              Object.keys(neighbour.addrs).join(", ") || "none"
            })`,
          );
        }
        addrs = [a];
      } else addrs = Object.values(neighbour.addrs);
      if (addrs.length === 0) {
        throw new UsageError(
          `${neighbour.name} has no addrs in the configuration: give an address, as in ` +
            `ferry call ${neighbour.name} host:5400`,
        );
      }
      const stop = new AbortController();
      const remove = stopOnSignals(stop);
      const line = statusLine(`call ${neighbour.name}`);
      let result: SessionResult | null = null;
      try {
        for (const addr of addrs) {
          result = await callNode(node, {
            node: neighbour.idText,
            addr,
            nice,
            ...(opts.rx ? { rxOnly: true } : {}),
            ...(opts.tx ? { txOnly: true } : {}),
            ...(onlineDeadlineSec !== undefined ? { onlineDeadlineSec } : {}),
            ...(maxOnlineTimeSec !== undefined ? { maxOnlineTimeSec } : {}),
            ...(rxRate !== undefined ? { rxRate } : {}),
            ...(txRate !== undefined ? { txRate } : {}),
            ...(pkts ? { pkts } : {}),
            ...(opts.autotoss ? { autotoss: true } : {}),
            signal: stop.signal,
            onStatus: (s) => line.show(s),
          });
          const reached = !(result.error?.startsWith("cannot reach") ?? false);
          if (reached || stop.signal.aborted) break;
        }
      } finally {
        line.clear();
        remove();
      }
      report(result!, neighbour.name);
      if (!result!.ok) throw new CliError(`call to ${neighbour.name} failed: ${result!.error}`);
    });
}
