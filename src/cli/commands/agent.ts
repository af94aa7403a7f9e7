/**
 * `ferry agent` (the service) and `ferry status` (what it and the spool are
 * doing, at a glance).
 * @module
 */

import type { Command } from "../args/mod.ts";
import { type AgentStatus, pidAlive, readAgentStatus, runAgent } from "../../agent/mod.ts";
import { isFinished } from "../../agent/online.ts";
import { humanBytes } from "../../log/humanize.ts";
import { readMqttStatus } from "../../mqtt/mod.ts";
import { nodeStat } from "../../spool/mod.ts";
import type { CliContext } from "../context.ts";
import { loadNodeContext } from "../node.ts";

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** An agent whose status is older than this is not running (it rewrites it every few seconds). */
const statusStaleMs = 60_000;

/** Local `HH:MM` of an ISO time (the agent's windows are in local time too). */
function clock(iso: string | undefined): string {
  if (!iso) return "?";
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** `12.3 KiB/s`, or `-` for nothing. */
function rate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${humanBytes(Math.round(bytesPerSec))}/s` : "-";
}

/** The online part of `ferry status`: sessions, scheduled calls, announced addresses. */
function onlineLines(
  report: {
    sessions: NonNullable<AgentStatus["sessions"]>;
    calls: NonNullable<AgentStatus["calls"]>;
    discovered: Record<string, string[]>;
  },
  now: number,
): string[] {
  const lines: string[] = [];
  if (report.sessions.length > 0) {
    lines.push("", "online sessions (peer, direction, state, received, sent, ETA)");
    for (const x of report.sessions) {
      const eta = x.etaSec !== undefined ? `ETA ${x.etaSec}s` : "ETA ?";
      lines.push(
        `  ${x.peer.padEnd(14)} ${x.direction.padEnd(6)} ${x.state.padEnd(10)} rx ${
          humanBytes(x.rxBytes)
        } at ${rate(x.rxRate)}, tx ${humanBytes(x.txBytes)} at ${rate(x.txRate)}, ${eta}, since ${
          ago(x.since, now)
        }`,
      );
    }
  }
  if (report.calls.length > 0) {
    lines.push("", "calls");
    for (const c of report.calls) {
      const next = c.nextAt === null ? "never again" : `next ${clock(c.nextAt ?? undefined)}`;
      const last = c.last
        ? `, last ${ago(c.last.at, now)} ${
          c.last.ok ? "ok" : `FAILED${c.last.error ? ` (${c.last.error})` : ""}`
        } (${c.last.rxPackets} in, ${c.last.txPackets} out)`
        : "";
      lines.push(`  ${c.node} #${c.call} "${c.cron}": ${next}${last}`);
    }
  }
  const found = Object.entries(report.discovered);
  if (found.length > 0) {
    lines.push("", "announced on the LAN");
    for (const [name, addrs] of found) lines.push(`  ${name.padEnd(14)} ${addrs.join(", ")}`);
  }
  return lines;
}

function alive(status: AgentStatus | null): boolean {
  if (!status) return false;
  // By /proc, not by signalling: ferry status usually runs as another user than the agent.
  return pidAlive(status.pid) && Date.now() - Date.parse(status.updatedAt) < statusStaleMs;
}

/** Registers `ferry agent` and `ferry status`. */
export function registerAgent(program: Command, ctx: CliContext): void {
  program.command("agent")
    .description(
      "run the ferry service: toss loop, media watcher, sync folders, radio links, the online daemon, scheduled calls and LAN discovery (for systemd)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry --config /etc/ferry/ferry.hjson agent\n  systemctl enable --now ferry-agent   # see systemd/README.md\n",
    )
    .action(async () => {
      const node = await loadNodeContext(ctx);
      const stop = new AbortController();
      const onSignal = (sig: Deno.Signal) => () => {
        if (!stop.signal.aborted) node.log.info("agent-stopping", { signal: sig });
        stop.abort();
      };
      const term = onSignal("SIGTERM");
      const int = onSignal("SIGINT");
      Deno.addSignalListener("SIGTERM", term);
      Deno.addSignalListener("SIGINT", int);
      try {
        await runAgent(node, { signal: stop.signal });
      } finally {
        Deno.removeSignalListener("SIGTERM", term);
        Deno.removeSignalListener("SIGINT", int);
      }
    });

  program.command("status")
    .description("show queues per neighbour, links, media and the last toss, at a glance")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  ferry status\n  ferry status --json | jq .links\n")
    .action(async (opts: { json?: boolean }) => {
      const node = await loadNodeContext(ctx);
      const agent = await readAgentStatus(node.spool.root);
      const running = alive(agent);
      const neighbours = [];
      for (
        const n of [...node.config.neigh.values()].filter((x) => x.name !== "self").sort((a, b) =>
          a.name.localeCompare(b.name)
        )
      ) {
        const st = await nodeStat(node.spool, n.name, n.idText);
        neighbours.push({
          node: n.name,
          id: n.idText,
          toSend: {
            packets: st.txPackets,
            bytes: st.txBytes,
            oldest: st.oldestTxMs ? new Date(st.oldestTxMs).toISOString() : null,
          },
          received: {
            packets: st.rxPackets,
            bytes: st.rxBytes,
            oldest: st.oldestRxMs ? new Date(st.oldestRxMs).toISOString() : null,
          },
          partial: { packets: st.partPackets, bytes: st.partBytes },
        });
      }
      const report = {
        node: node.config.ferry.name,
        id: node.self.idText,
        agent: agent
          ? {
            running,
            state: running
              ? agent.state ?? "running"
              : agent.state === "stopped"
              ? "stopped"
              : "not running",
            pid: agent.pid,
            startedAt: agent.startedAt,
            updatedAt: agent.updatedAt,
          }
          : null,
        neighbours,
        links: agent?.links ??
          node.config.ferry.links.map((l) => ({ node: l.node, state: "stopped" })),
        media: agent?.media ?? null,
        toss: agent?.toss ?? null,
        queues: agent?.queues ?? [],
        sessions: running ? (agent?.sessions ?? []).filter((x) => !isFinished(x.state)) : [],
        calls: agent?.calls ?? [],
        discovered: running ? agent?.discovered ?? {} : {},
        mqtt: await mqttReport(node.spool.root, node.config.ferry.mqtt?.broker),
      };
      if (opts.json) {
        ctx.out(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      const now = Date.now();
      const lines: string[] = [];
      lines.push(`ferry node ${report.node} (${report.id})`);
      const agentState = report.agent?.state === "not running"
        ? "NOT running (it did not stop cleanly)"
        : report.agent?.state;
      lines.push(
        agent
          ? `agent: ${agentState} (pid ${agent.pid}, started ${ago(agent.startedAt, now)}, status ${
            ago(agent.updatedAt, now)
          })`
          : "agent: no status yet (not started on this spool)",
      );
      lines.push(
        "",
        "neighbour        to send                               received, not tossed yet",
      );
      for (const n of neighbours) {
        const tx = n.toSend.packets
          ? `${n.toSend.packets} pkt ${humanBytes(n.toSend.bytes)}, oldest ${
            ago(n.toSend.oldest ?? undefined, now)
          }`
          : "-";
        const rx = n.received.packets
          ? `${n.received.packets} pkt ${humanBytes(n.received.bytes)}`
          : "-";
        const part = n.partial.packets ? ` (+${n.partial.packets} partial)` : "";
        lines.push(`${n.node.padEnd(16)} ${tx.padEnd(37)} ${rx}${part}`);
      }
      if (report.links.length > 0) {
        lines.push("", "links");
        for (const l of report.links as AgentStatus["links"]) {
          const budget = l.budgetLeftSec === undefined
            ? ""
            : l.budgetLeftSec === null
            ? ", no duty limit"
            : `, budget left ${l.budgetLeftSec}s`;
          const queue = l.queuePackets
            ? `, ${l.queuePackets} pkt queued, empty by ${clock(l.queueEmptyAt)}`
            : "";
          const err = l.lastError ? `, last error: ${l.lastError}` : "";
          const opens = l.opensAt ? ` (opens ${clock(l.opensAt)})` : "";
          lines.push(
            `  ${l.node.padEnd(14)} ${l.state}${opens} ${ago(l.since, now)}${budget}${queue}${err}`,
          );
        }
      }
      if (report.media) {
        const m = report.media;
        lines.push("", "media");
        lines.push(
          `  present: ${
            !running
              ? "unknown (the agent is not running)"
              : m.present.length
              ? m.present.join(", ")
              : "none"
          }`,
        );
        if (m.lastMedium) {
          lines.push(
            `  last: ${m.lastMedium.mountPoint} ${
              ago(m.lastMedium.at, now)
            }: ${m.lastMedium.imported} in, ${m.lastMedium.exported} out, ${
              m.lastMedium.safe ? "safe to remove" : "NOT safe"
            }${m.lastMedium.problems.length ? ` (${m.lastMedium.problems.join("; ")})` : ""}`,
          );
        }
        for (const f of m.syncFolders) {
          lines.push(
            `  sync ${f.path}: scanned ${
              ago(f.lastScan, now)
            }, ${f.imported} in, ${f.exported} out${f.error ? `, error: ${f.error}` : ""}`,
          );
        }
      }
      if (report.queues.length > 0) {
        lines.push("", "queues");
        for (const q of report.queues) {
          const wait = q.waitingFor ? `, waiting for job ${q.waitingFor}` : "";
          const fail = q.failure ? `, FAILED: ${q.failure}` : "";
          lines.push(
            `  ${q.dir}: ${q.done ?? q.ran} job(s) done${
              q.failed ? `, ${q.failed} failed run(s)` : ""
            }, next ${q.nextSeq ?? "?"}${wait}${fail}, last run ${ago(q.lastRun, now)}`,
          );
        }
      }
      lines.push(...onlineLines(report, now));
      if (report.mqtt) {
        const m = report.mqtt;
        const err = m.lastError ? `, last error: ${m.lastError}` : "";
        const since = m.since ? ` ${ago(m.since, now)}` : "";
        lines.push("", `mqtt ${m.broker}: ${m.state}${since}${err}`);
        for (const p of m.peers) {
          lines.push(
            `  ${p.node.padEnd(14)} ${p.presence.padEnd(8)} to send ${p.toSendPackets} pkt ${
              humanBytes(p.toSendBytes)
            }, to receive ${humanBytes(p.toReceiveBytes)}`,
          );
        }
      }
      if (report.toss) {
        const t = report.toss;
        lines.push(
          "",
          `toss: last run ${
            ago(t.lastRun, now)
          }; ${t.tossed} tossed, ${t.failed} failed, ${t.duplicates} duplicates since start`,
        );
      }
      ctx.out(lines.join("\n") + "\n");
    });
}

/** The MQTT status for `ferry status`: from the last run's file, "stopped" when its process is gone. */
interface MqttReport {
  broker: string;
  state: string;
  since?: string;
  lastError?: string;
  peers: {
    node: string;
    presence: string;
    toSendPackets: number;
    toSendBytes: number;
    toReceiveBytes: number;
  }[];
}

async function mqttReport(
  spool: string,
  configured: string | undefined,
): Promise<MqttReport | null> {
  const st = await readMqttStatus(spool);
  if (!st) return configured ? { broker: configured, state: "not started", peers: [] } : null;
  const live = pidAlive(st.pid) && Date.now() - Date.parse(st.updatedAt) < statusStaleMs;
  if (!live && st.state !== "stopped") {
    return {
      ...st,
      state: "not running",
      peers: st.peers.map((p) => ({ ...p, presence: "unknown" })),
    };
  }
  return st;
}
