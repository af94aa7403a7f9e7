/**
 * `ferry agent`: the one long-running process on a node. It composes
 *
 * - the toss loop (every `ferry.toss.cycle-sec`, and at once when media or
 *   a link brought packets),
 * - the media watcher (one session per inserted medium) and sync folders,
 * - one session loop per configured serial link, inside its radio windows,
 *   retried with a growing pause after errors (an unplugged modem),
 * - the online part (`online.ts`): the daemon of `ferry.daemon`, the
 *   neighbours' scheduled `calls`, LAN announcements sent and heard, and a
 *   call at once to an announced neighbour with packets waiting,
 * - the MQTT broker connection when `ferry.mqtt` is configured
 *   (`src/mqtt/`; it reconnects with a growing pause by itself),
 * - systemd readiness and watchdog pings, and a status file for
 *   `ferry status`.
 *
 * Every loop is sequential and every wait bounded; SIGTERM aborts them all
 * between steps (a link session is dropped the way a power cut would drop
 * it, and resumes from its persisted state on the next start).
 * @module
 */

import { errorText } from "../fsutil/os_errors.ts";
import type { LinkSettings } from "../config/ferry_links.ts";
import type { NodeContext } from "../node/context.ts";
import {
  type MediaState,
  openLed,
  serveMedia,
  serveSyncFolders,
  SyncFolder,
} from "../media/mod.ts";
import { runConfiguredLink } from "../radio/run_link.ts";
import { serveMqtt } from "../mqtt/mod.ts";
import { RetryMemory, toss } from "../toss/mod.ts";
import { decodedBytesMaxDefault, processQueue } from "../queue/mod.ts";
import { createNotifier, type Notifier } from "../../hw/systemd/notify.ts";
import type { Led } from "../../hw/led/mod.ts";
import { Kick, sleep } from "./kick.ts";
import { parseWindows, windowState } from "./schedule.ts";
import { sweepAgentTemps } from "./sweep.ts";
import { type AgentStatus, type LinkState, writeAgentStatus } from "./status.ts";
import { OnlineAgent, type OnlineEngine, spEngine } from "./online.ts";

/** First pause after a link error; doubles up to {@linkcode linkRetryMsMax}. */
export const linkRetryMsMin = 2_000;
/** Longest pause between link attempts. */
export const linkRetryMsMax = 60_000;
/** How often the status file is rewritten. */
export const statusEveryMs = 5_000;
/** How often a link session reports its budget and queue (and logs them). */
export const linkStatusEveryMs = 10_000;
/** Exec handlers run by the agent's toss are stopped after this long. */
export const agentExecTimeoutMs = 3_600_000;

/** Options of {@linkcode runAgent}. */
export interface AgentOptions {
  signal: AbortSignal;
  notifier?: Notifier;
  /** The SP engine for the daemon and calls (default: ferry's own, `src/sp/`). */
  engine?: OnlineEngine;
}

function budgetSec(ms: number): number | null {
  return Number.isFinite(ms) ? Math.round(ms / 1000) : null;
}

function nowIso(): string {
  return new Date().toISOString();
}

/** Runs the agent until `options.signal` aborts. */
export async function runAgent(ctx: NodeContext, options: AgentOptions): Promise<void> {
  const { signal } = options;
  const notifier = options.notifier ?? createNotifier();
  const settings = ctx.config.ferry;
  const status: AgentStatus = {
    pid: Deno.pid,
    state: "running",
    startedAt: nowIso(),
    updatedAt: nowIso(),
    toss: { tossed: 0, failed: 0, duplicates: 0 },
    links: settings.links.map((l) => ({ node: l.node, state: "starting", since: nowIso() })),
    media: { present: [], syncFolders: [] },
    queues: settings.queues.map((q) => ({
      dir: q.dir,
      ran: 0,
      done: 0,
      failed: 0,
      nextSeq: null,
      waitingFor: null,
      failure: null,
    })),
  };
  const kick = new Kick();
  // Writes are chained, so the last state written is the last one asked for.
  let saving = Promise.resolve();
  const saveStatus = () =>
    saving = saving.then(() =>
      writeAgentStatus(ctx.spool.root, status).catch((err) =>
        ctx.log.warn("agent-status-write-failed", { error: err.message })
      )
    );
  await ctx.spool.ensure(ctx.self.idText, "rx");
  // A killed predecessor may have left temporary files; they are never finished ones.
  await sweepAgentTemps(ctx.spool, ctx.log).catch((err) =>
    ctx.log.warn("temp-sweep-failed", { error: errorText(err) })
  );
  ctx.log.info("agent-start", {
    node: settings.name,
    id: ctx.self.idText,
    links: settings.links.map((l) => l.node).join(",") || undefined,
    media: settings.media ? "watching" : undefined,
    syncFolders: settings.syncFolders.length || undefined,
    daemon: settings.daemon?.bind.join(",") || undefined,
    mcdListen: ctx.config.mcdListen.map((r) => r.source).join(",") || undefined,
    mcdSend: ctx.config.mcdSend.map((m) => m.ifaces.source).join(",") || undefined,
  });
  const loops: Promise<void>[] = [];
  loops.push(tossLoop(ctx, status, kick, signal, saveStatus));
  if (settings.media) {
    const led = await openLed(settings.media.led).catch((err) => {
      ctx.log.warn("led-unavailable", { error: err.message });
      return undefined;
    });
    loops.push(
      mediaLoop(ctx, status.media, signal, kick, { ...(led ? { led } : {}), onChange: saveStatus })
        .finally(() => led?.close()),
    );
  }
  if (settings.syncFolders.length > 0) {
    const folders = settings.syncFolders.map((s) => new SyncFolder(s));
    loops.push(serveSyncFolders(ctx, folders, signal, status.media, () => void saveStatus()));
  }
  settings.links.forEach((link, i) =>
    loops.push(linkLoop(ctx, link, status.links[i]!, signal, kick, saveStatus))
  );
  {
    const online = new OnlineAgent(
      ctx,
      options.engine ?? spEngine,
      signal,
      () => void saveStatus(),
      () => kick.kick(),
    );
    status.sessions = online.state.sessions;
    status.calls = online.state.calls;
    status.discovered = online.state.discovered;
    loops.push(...online.loops());
  }
  if (settings.mqtt) loops.push(mqttLoop(ctx, signal, kick));
  loops.push(heartbeat(notifier, signal, saveStatus));
  await saveStatus();
  notifier.send(
    `READY=1\nSTATUS=serving ${settings.links.length} link(s)${settings.media ? ", media" : ""}`,
  );
  ctx.log.info("agent-ready", {});
  // systemd learns at once that the stop began; the loops then end between steps.
  let stoppingSent = false;
  const onStop = () => {
    stoppingSent = true;
    notifier.send("STOPPING=1");
    status.state = "stopping";
    void saveStatus();
  };
  signal.addEventListener("abort", onStop, { once: true });
  const results = await Promise.allSettled(loops);
  signal.removeEventListener("abort", onStop);
  for (const r of results) {
    if (r.status === "rejected") {
      ctx.log.error("agent-loop-failed", { error: (r.reason as Error)?.stack ?? String(r.reason) });
    }
  }
  if (!stoppingSent) notifier.send("STOPPING=1");
  const stoppedAt = nowIso();
  for (const l of status.links) {
    if (l.state !== "stopped") l.since = stoppedAt;
    l.state = "stopped";
    delete l.opensAt;
  }
  // Nobody watches the mounts any more: what was present then says nothing now.
  status.media.present = [];
  status.state = "stopped";
  await saveStatus();
  ctx.log.info("agent-stopped", {});
  const failed = results.find((r) => r.status === "rejected");
  if (failed && !signal.aborted) throw (failed as PromiseRejectedResult).reason;
}

async function heartbeat(
  notifier: Notifier,
  signal: AbortSignal,
  save: () => Promise<void>,
): Promise<void> {
  const watchdogMs = notifier.watchdogMs;
  const every = Math.min(statusEveryMs, watchdogMs ? watchdogMs / 2 : statusEveryMs);
  while (!signal.aborted) {
    await sleep(every, signal);
    if (signal.aborted) break;
    if (watchdogMs) notifier.send("WATCHDOG=1");
    await save();
  }
}

async function tossLoop(
  ctx: NodeContext,
  status: AgentStatus,
  kick: Kick,
  signal: AbortSignal,
  save: () => Promise<void>,
): Promise<void> {
  const cycleMs = ctx.config.ferry.toss.cycleSec * 1000;
  const retry = new RetryMemory();
  while (!signal.aborted) {
    try {
      const summary = await toss(ctx, {
        seen: ctx.config.ferry.toss.seen,
        reass: ctx.config.ferry.toss.reass,
        execTimeoutMs: agentExecTimeoutMs,
        signal,
        retry,
      });
      status.toss.lastRun = nowIso();
      status.toss.tossed += summary.tossed;
      status.toss.failed += summary.failed;
      status.toss.duplicates += summary.duplicates;
      if (summary.failed > 0) status.toss.lastFailedAt = status.toss.lastRun;
      if (summary.tossed + summary.failed + summary.duplicates > 0) {
        ctx.log.info("toss-done", {
          tossed: summary.tossed,
          failed: summary.failed,
          duplicates: summary.duplicates,
        });
        await save();
      }
      if (await runQueues(ctx, status)) await save();
    } catch (err) {
      ctx.log.error("toss-loop-error", { error: errorText(err) });
    }
    await kick.wait(cycleMs, signal);
  }
}

/** Runs each configured queue as far as its sequence allows; true when a queue's state changed. */
async function runQueues(ctx: NodeContext, status: AgentStatus): Promise<boolean> {
  let changed = false;
  for (const q of ctx.config.ferry.queues) {
    const log = ctx.log.child({ queue: q.dir });
    const entry = status.queues.find((s) => s.dir === q.dir)!;
    const before = JSON.stringify({ ...entry, lastRun: undefined });
    try {
      const [command, ...args] = q.command;
      const summary = await processQueue(q.dir, {
        command: command!,
        args,
        allowJobParams: q.allowJobParams,
        ignorePayload: false,
        ...(q.timeoutSec !== undefined ? { timeoutSecs: q.timeoutSec } : {}),
        outputTo: "PassBoth", // job output goes to the agent's journal, not to files that pile up
        ...(q.decoder !== undefined ? { decoder: q.decoder } : {}),
        decodedBytesMax: decodedBytesMaxDefault,
        log,
        onError: q.onError,
        orderBy: "Sequence",
        neverDelete: false,
      });
      entry.lastRun = nowIso();
      entry.ran += summary.attempted;
      entry.done = (entry.done ?? 0) + summary.succeeded;
      entry.failed = (entry.failed ?? 0) + summary.failed;
      entry.nextSeq = summary.nextSeq?.toString() ?? null;
      entry.waitingFor = summary.stop === "waiting" ? entry.nextSeq : null;
      entry.failure = summary.failure
        ? `job ${summary.failure.seq}: ${summary.failure.reason}`
        : null;
      if (summary.attempted > 0) {
        log.info("queue-ran", {
          jobs: summary.attempted,
          failed: summary.failed,
          nextSeq: entry.nextSeq,
          stop: summary.stop,
        });
      }
    } catch (err) {
      entry.failure = errorText(err);
      log.error("queue-failed", { error: entry.failure });
    }
    if (JSON.stringify({ ...entry, lastRun: undefined }) !== before) changed = true;
  }
  return changed;
}

/** Keeps the broker connection up; a configuration error is retried slowly, never fatal. */
async function mqttLoop(ctx: NodeContext, signal: AbortSignal, kick: Kick): Promise<void> {
  const settings = ctx.config.ferry.mqtt!;
  while (!signal.aborted) {
    try {
      await serveMqtt(ctx, settings, { signal, onReceived: () => kick.kick() });
    } catch (err) {
      if (signal.aborted) break;
      ctx.log.error("mqtt-failed", { error: (err as Error).message, retryMs: linkRetryMsMax });
      await sleep(linkRetryMsMax, signal);
    }
  }
}

async function mediaLoop(
  ctx: NodeContext,
  state: MediaState,
  signal: AbortSignal,
  kick: Kick,
  options: { led?: Led; onChange?: () => void },
): Promise<void> {
  const settings = ctx.config.ferry.media!;
  while (!signal.aborted) {
    try {
      await serveMedia(ctx, settings, signal, state, {
        ...options,
        onSession: (imported) => {
          if (imported > 0) kick.kick();
        },
      });
    } catch (err) {
      if (signal.aborted) break;
      ctx.log.error("media-watch-failed", {
        error: errorText(err),
        retryMs: linkRetryMsMin,
      });
      await sleep(linkRetryMsMin, signal);
    }
  }
}

async function linkLoop(
  ctx: NodeContext,
  link: LinkSettings,
  state: LinkState,
  signal: AbortSignal,
  kick: Kick,
  save: () => Promise<void>,
): Promise<void> {
  const windows = parseWindows(link.schedule);
  let pauseMs = linkRetryMsMin;
  const setState = (s: LinkState["state"]) => {
    if (state.state !== s) state.since = nowIso();
    state.state = s;
  };
  while (!signal.aborted) {
    const w = windowState(windows, Date.now());
    if (!w.open) {
      setState("waiting-window");
      state.opensAt = new Date(w.changesAtMs).toISOString();
      ctx.log.info("link-window-closed", { node: link.node, opensAt: state.opensAt });
      await save();
      await sleep(w.changesAtMs - Date.now(), signal);
      continue;
    }
    delete state.opensAt;
    setState("connected");
    const started = Date.now();
    try {
      const result = await runConfiguredLink(ctx, link, {
        stopWhen: "never",
        ...(Number.isFinite(w.changesAtMs) ? { untilMs: w.changesAtMs } : {}),
        signal,
        statusEveryMs: linkStatusEveryMs,
        onOpen: (budgetLeftMs) => {
          state.budgetLeftSec = budgetSec(budgetLeftMs);
          void save();
        },
        onStatus: (s) => {
          state.budgetLeftSec = budgetSec(s.budgetLeftMs);
          state.queuePackets = s.queuePackets;
          state.queueBytes = s.queueBytes;
          state.queueEmptyAt = new Date(s.queueEmptyAtMs).toISOString();
          if (s.receiving === null) kick.kick();
        },
      });
      state.lastSession = {
        endedAt: nowIso(),
        reason: result.reason,
        sent: result.stats.packetsSent,
        received: result.stats.packetsReceived,
      };
      if (result.stats.packetsReceived > 0) kick.kick();
      ctx.log.info("link-session-ended", {
        node: link.node,
        reason: result.reason,
        sent: result.stats.packetsSent,
        received: result.stats.packetsReceived,
      });
      if (result.reason === "deadline" || result.reason === "aborted") {
        pauseMs = linkRetryMsMin;
        continue;
      }
      delete state.lastError;
    } catch (err) {
      if (signal.aborted) break;
      state.lastError = errorText(err);
      ctx.log.error("link-failed", {
        node: link.node,
        error: state.lastError,
        retryInSec: pauseMs / 1000,
      });
    }
    if (signal.aborted) break;
    setState("retrying");
    await save();
    // A session that ran a while earns a short pause; quick failures back off.
    pauseMs = Date.now() - started > linkRetryMsMax
      ? linkRetryMsMin
      : Math.min(pauseMs * 2, linkRetryMsMax);
    await sleep(pauseMs, signal);
  }
}
