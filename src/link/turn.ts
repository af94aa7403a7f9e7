/**
 * Building and sending one turn: HELLO while the peer does not know this
 * side, the receiver's replies, the sender's OFFER or poll or data burst
 * (sized to the airtime budget), a HOLD when this side's next turn will be
 * late (budget exhausted, or a quiet wait while both sides are idle), and
 * a TURN frame when there is nothing else. Each frame carries how many
 * frames follow; the last one passes the turn.
 * @module
 */

import { AirtimeBudget } from "./budget.ts";
import { type ControlBody, type ControlFrame, encodeFrame } from "./frames.ts";
import type { LinkSession } from "./session.ts";

/** What the session needs to know after a turn went out. */
export interface SentTurn {
  /** The reply will start with a control frame (its timeout can be short). */
  expectControlFirst: boolean;
  /** This side had nothing to send and nothing in progress. */
  idle: boolean;
}

/** A data frame ready to go. */
export interface DataOut {
  seq: number;
  /** Low bit of the receiver's numbering epoch. */
  epoch: number;
  payload: Uint8Array;
  index: number;
}

/** Plans and sends this side's turn; null when the session ended instead. */
export async function planTurn(s: LinkSession): Promise<SentTurn | null> {
  await s.sleep(s.limits.turnaroundMs);
  if (s.peerIdle) await idleWait(s);
  else s.idleHoldUntilMs = 0;
  if (s.clock.now() >= (s.options.untilMs ?? Infinity)) return null;
  if (s.peerIdle) s.receiver.peerMovedOn();
  const control: ControlBody[] = [...s.greeting.frames(), ...await s.receiver.compose()];
  const plan = await s.sender.plan();
  const idle = !s.sender.hasWork() && !s.receiver.active;
  if (
    s.options.stopWhen !== "never" && idle && s.peerIdle && s.established &&
    control.length === 0 && plan.control === null
  ) {
    await sendTurn(s, [{ kind: "bye" }], [], true);
    s.linger();
    return null;
  }
  if (plan.control) control.push(plan.control);
  let indices = plan.data;
  if (s.budget) {
    const dataMs = s.derived.dataFrameMs;
    const controlMs = turnMs(s, control, 0) + s.derived.controlFrameMs;
    const minFrames = Math.min(s.limits.budgetBurstFramesMin, indices.length);
    if (!await budgetWait(s, controlMs + minFrames * dataMs)) return null;
    const fits = Math.floor((s.budget.availableMs(s.clock.now()) - controlMs) / dataMs);
    indices = indices.slice(0, Math.max(minFrames, fits));
  }
  const data = indices.length > 0 ? await s.sender.read(indices) : [];
  const hold = holdMs(s, control, data.length, idle);
  if (hold > 0) control.push({ kind: "hold", ms: hold });
  if (control.length === 0 && data.length === 0) control.push({ kind: "turn" });
  await sendTurn(s, control, data, idle);
  return { expectControlFirst: data.length > 0 || plan.control?.kind === "offer", idle };
}

/** Sends a BYE if the budget allows it right now (used at a deadline). */
export async function sendBye(s: LinkSession): Promise<void> {
  const ms = s.airtime.frameMs(2 + s.link.overheadBytes);
  if (s.budget && !s.budget.canStart(ms, s.clock.now())) return;
  await sendTurn(s, [{ kind: "bye" }], [], false);
}

/** Sends control frames then data frames, numbering what follows in each. */
export async function sendTurn(
  s: LinkSession,
  control: ControlBody[],
  data: DataOut[],
  idle: boolean,
): Promise<void> {
  let rem = control.length + data.length - 1;
  s.turnSent = { startMs: s.clock.now(), airtimeMs: 0 };
  for (const body of control) {
    await sendFrame(s, encodeFrame({ ...body, rem: rem--, idle } as ControlFrame));
  }
  for (const d of data) {
    await sendFrame(
      s,
      encodeFrame({ kind: "data", rem: rem--, epoch: d.epoch, seq: d.seq, payload: d.payload }),
    );
    s.sender.sentOne(d.index);
  }
}

async function sendFrame(s: LinkSession, bytes: Uint8Array): Promise<void> {
  const wire = bytes.length + s.link.overheadBytes;
  const ms = s.airtime.frameMs(wire);
  if (s.budget && !s.budget.canStart(ms, s.clock.now())) {
    const at = s.budget.earliestStart(ms, s.clock.now());
    s.log.debug("link-budget-wait", { ms: at - s.clock.now(), frame: true });
    s.stats.budgetWaitMs += at - s.clock.now();
    await s.sleep(at - s.clock.now());
  }
  await s.link.send(bytes, s.stop.signal);
  s.budget?.record(s.clock.now() - ms, ms);
  s.stats.framesSent++;
  s.stats.wireBytesSent += wire;
  s.stats.airtimeMs += ms;
  if (s.turnSent) s.turnSent.airtimeMs += ms;
}

/** Waits until the budget allows `needMs` of airtime; false if the session deadline comes first. */
async function budgetWait(s: LinkSession, needMs: number): Promise<boolean> {
  const now = s.clock.now();
  const at = s.budget ? s.budget.earliestStart(needMs, now) : now;
  if (!Number.isFinite(at) || at <= now) return true;
  const until = s.options.untilMs ?? Infinity;
  s.log.debug("link-budget-wait", { ms: at - now });
  const end = Math.min(at, until);
  s.stats.budgetWaitMs += end - now;
  await s.sleep(end - now);
  return at <= until;
}

/** While both sides are idle, waits out the quiet time announced in the last HOLD. */
async function idleWait(s: LinkSession): Promise<void> {
  const until = Math.min(s.idleHoldUntilMs, s.options.untilMs ?? Infinity);
  while (s.clock.now() < until) {
    await s.sender.refresh();
    if (s.sender.hasWork()) break;
    await s.sleep(Math.min(s.limits.queueRescanMs, until - s.clock.now()));
  }
  s.idleHoldUntilMs = 0;
}

/** How late this side's next turn may be (0: on time), announced in a HOLD. */
function holdMs(s: LinkSession, control: ControlBody[], dataFrames: number, idle: boolean): number {
  const { limits: l, derived: d } = s;
  const now = s.clock.now();
  let hold = 0;
  if (idle && s.peerIdle && s.options.stopWhen === "never") {
    s.idleRounds++;
    hold = Math.min(l.idleWaitMsMax, l.idleWaitMsMin * 2 ** Math.min(s.idleRounds - 1, 30));
    s.idleHoldUntilMs = now + hold;
  } else {
    s.idleRounds = 0;
  }
  const more = s.sender.hasWork();
  if (s.budget && (more || s.receiver.active)) {
    const planned = turnMs(s, control, dataFrames) + d.controlFrameMs;
    const after = new AirtimeBudget({
      dutyCycle: s.budget.dutyCycle,
      windowMs: s.budget.windowMs,
      history: s.budget.history(),
    });
    after.record(now, planned);
    const back = now + planned + 2 * l.turnaroundMs + 2 * d.controlFrameMs;
    const need = 2 * d.controlFrameMs + (more ? l.budgetBurstFramesMin * d.dataFrameMs : 0);
    const readyAt = after.earliestStart(need, back);
    if (readyAt > back + d.replyTimeoutControlMs / 2) {
      hold = Math.max(hold, readyAt - now + l.turnGuardMs);
    }
  }
  return Math.ceil(Math.min(hold, l.holdMsMax));
}

/** Airtime of the given control frames plus `dataFrames` full data frames. */
function turnMs(s: LinkSession, control: ControlBody[], dataFrames: number): number {
  let ms = dataFrames * s.derived.dataFrameMs;
  for (const body of control) {
    const bytes = encodeFrame({ ...body, rem: 0, idle: false } as ControlFrame).length;
    ms += s.airtime.frameMs(bytes + s.link.overheadBytes);
  }
  return ms;
}
