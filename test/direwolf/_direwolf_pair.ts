/**
 * Two real Dire Wolf soft modems (AFSK 1200) whose audio is joined by an
 * emulated channel, each with its KISS TCP port bridged to a pty by socat,
 * so `ferry link --modem kiss` talks to them as to a hardware TNC.
 *
 * Each Dire Wolf transmits into the ALSA `file` PCM plugin (over the
 * `null` device) writing raw 16-bit samples into a FIFO, set up by an
 * asoundrc the pair writes into the instance's own HOME; it receives raw
 * samples on a UDP port (`ADEVICE udp:PORT ...`). A relay in this process
 * reads each FIFO and sends the samples to the other Dire Wolf at the real
 * sample rate, silence between transmissions, with optional Gaussian noise
 * that makes Dire Wolf lose frames.
 *
 * Everything listens on 127.0.0.1 on free ports; `stop()` ends the
 * processes it started by their pid and removes the folder.
 * @module
 */

import dgram from "node:dgram";
import { Prng } from "../../hw/emulator/prng.ts";

/** Audio sample rate of both modems, Hz. */
export const direwolfSampleRate = 22050;
/** Relay tick: samples go out at least this often, ms. */
const relayTickMs = 10;
/** Samples sent at once after the relay fell behind (4 s: within Linux's default UDP buffer). */
const catchUpSamplesMax = 4 * direwolfSampleRate;
/** Samples per UDP datagram at most (Dire Wolf reads up to 2 KB a datagram). */
const datagramSamplesMax = 512;
/**
 * Audio held in the relay at most per direction, bytes (about 45 s at 22050 Hz); beyond it the
 * relay stops reading the FIFO, so Dire Wolf's writes wait (nothing is dropped).
 */
const relayQueueBytesMax = 2_000_000;
/** Bound on waiting for a Dire Wolf to listen on its KISS port, ms. */
const startTimeoutMs = 15_000;

/** Settings of a {@linkcode DirewolfPair}. */
export interface DirewolfPairOptions {
  /** Standard deviation of Gaussian noise added to every sample (full scale 32767). Default 0. */
  noiseSigma?: number;
  /** Seed of the noise. Default 1. */
  seed?: number;
  /** Folder for FIFOs, configs and logs (created; removed by stop unless `keep`). */
  dir?: string;
  keep?: boolean;
}

/** One side: a Dire Wolf, its audio FIFO and UDP port, its KISS port and the pty bridge. */
export interface DirewolfSide {
  name: "a" | "b";
  kissPort: number;
  udpPort: number;
  /** The pty that ferry opens as its serial port. */
  pty: string;
  log: string;
}

/** Counters of the relay, per direction. */
export interface RelayStats {
  /** Samples that came out of each Dire Wolf (its transmissions). */
  transmittedSamples: Record<"a" | "b", number>;
  /** Samples delivered to each Dire Wolf (audio and silence). */
  deliveredSamples: Record<"a" | "b", number>;
  /** Times the relay queue was full and the relay stopped reading a Dire Wolf's audio. */
  pushedBack: number;
}

async function freePort(transport: "tcp" | "udp"): Promise<number> {
  if (transport === "tcp") {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    return port;
  }
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForTcp(port: number, what: string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Two Dire Wolf modems on one emulated audio channel. */
export class DirewolfPair {
  readonly sides: Record<"a" | "b", DirewolfSide>;
  readonly stats: RelayStats = {
    transmittedSamples: { a: 0, b: 0 },
    deliveredSamples: { a: 0, b: 0 },
    pushedBack: 0,
  };
  readonly #children: Deno.ChildProcess[] = [];
  readonly #fifos: Deno.FsFile[] = [];
  readonly #queues: Record<"a" | "b", Uint8Array[]> = { a: [], b: [] };
  readonly #queuedBytes = { a: 0, b: 0 };
  readonly #socket = dgram.createSocket("udp4");
  readonly #noise: Prng;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  private constructor(
    readonly dir: string,
    readonly options: DirewolfPairOptions,
    sides: Record<"a" | "b", DirewolfSide>,
  ) {
    this.sides = sides;
    this.#noise = new Prng(options.seed ?? 1);
  }

  /** Starts both modems, the relay and the pty bridges. */
  static async start(options: DirewolfPairOptions = {}): Promise<DirewolfPair> {
    const dir = options.dir ?? await Deno.makeTempDir({ prefix: "ferry-direwolf-" });
    await Deno.mkdir(dir, { recursive: true });
    const side = async (name: "a" | "b"): Promise<DirewolfSide> => ({
      name,
      kissPort: await freePort("tcp"),
      udpPort: await freePort("udp"),
      pty: `${dir}/kiss-${name}`,
      log: `${dir}/direwolf-${name}.log`,
    });
    const pair = new DirewolfPair(dir, options, { a: await side("a"), b: await side("b") });
    try {
      await pair.#start();
    } catch (err) {
      await pair.stop();
      throw err;
    }
    return pair;
  }

  async #start(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.bind(0, "127.0.0.1", resolve));
    for (const s of [this.sides.a, this.sides.b]) {
      const home = `${this.dir}/home-${s.name}`;
      const fifo = `${this.dir}/tx-${s.name}.fifo`;
      await Deno.mkdir(home, { recursive: true });
      const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      if (!mk.success) throw new Error(`mkfifo ${fifo} failed`);
      await Deno.writeTextFile(
        `${home}/.asoundrc`,
        `pcm.ferrytx {\n  type file\n  slave { pcm "null" }\n  file "${fifo}"\n  format "raw"\n}\n`,
      );
      await Deno.writeTextFile(
        `${this.dir}/direwolf-${s.name}.conf`,
        [
          `ADEVICE udp:${s.udpPort} ferrytx`,
          `ARATE ${direwolfSampleRate}`,
          "ACHANNELS 1",
          "CHANNEL 0",
          `MYCALL N0FRY-${s.name === "a" ? 1 : 2}`,
          "MODEM 1200",
          `KISSPORT ${s.kissPort}`,
          "AGWPORT 0",
          "",
        ].join("\n"),
      );
      // Opening a FIFO for reading waits for the writer: Dire Wolf opens it at start.
      const reader = Deno.open(fifo, { read: true });
      const log = await Deno.open(s.log, { write: true, create: true, truncate: true });
      const child = new Deno.Command("direwolf", {
        args: ["-c", `${this.dir}/direwolf-${s.name}.conf`, "-t", "0"],
        env: { HOME: home },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      this.#children.push(child);
      child.stdout.pipeTo(log.writable).catch(() => {});
      child.stderr.pipeTo(new WritableStream()).catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const file = await Promise.race([
        reader,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`direwolf ${s.name} did not open its audio output`)),
            startTimeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      this.#fifos.push(file);
      this.#pump(s.name, file);
      await waitForTcp(s.kissPort, `direwolf ${s.name}`);
      const socat = new Deno.Command("socat", {
        args: ["pty,raw,echo=0,link=" + s.pty, `tcp:127.0.0.1:${s.kissPort}`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      this.#children.push(socat);
      const deadline = Date.now() + startTimeoutMs;
      while (!(await Deno.lstat(s.pty).then(() => true, () => false))) {
        if (Date.now() > deadline) throw new Error(`socat did not create ${s.pty}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const t0 = performance.now();
    const sent = { a: 0, b: 0 };
    this.#timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * direwolfSampleRate);
      for (const from of ["a", "b"] as const) {
        const to = from === "a" ? "b" : "a";
        let n = due - sent[from];
        // After a stall the relay catches up at once (within the UDP receive buffer), so Dire
        // Wolf hears every sample; only past catchUpSamplesMax is audio skipped.
        if (n > catchUpSamplesMax) n = catchUpSamplesMax;
        if (n <= 0) continue;
        sent[from] = due;
        this.#deliver(from, to, n);
      }
    }, relayTickMs);
  }

  /** Reads a Dire Wolf's transmitted audio into its queue. */
  async #pump(from: "a" | "b", file: Deno.FsFile): Promise<void> {
    const buf = new Uint8Array(65536);
    let odd: number | null = null;
    try {
      for (;;) {
        const n = await file.read(buf);
        if (n === null) return;
        let chunk = buf.slice(0, n);
        if (odd !== null) chunk = new Uint8Array([odd, ...chunk]);
        odd = chunk.length % 2 ? chunk[chunk.length - 1]! : null;
        if (odd !== null) chunk = chunk.slice(0, -1);
        // Dire Wolf writes a whole transmission at once (the null device does not pace it): when
        // the queue is full, stop reading and let the FIFO push back on Dire Wolf.
        if (this.#queuedBytes[from] + chunk.length > relayQueueBytesMax) this.stats.pushedBack++;
        while (this.#queuedBytes[from] + chunk.length > relayQueueBytesMax && !this.#stopped) {
          await new Promise((r) => setTimeout(r, relayTickMs * 5));
        }
        this.stats.transmittedSamples[from] += chunk.length / 2;
        this.#queues[from].push(chunk);
        this.#queuedBytes[from] += chunk.length;
      }
    } catch {
      // closed at stop
    }
  }

  /** Sends `n` samples from `from`'s queue (silence when empty), noise added, to `to`. */
  #deliver(from: "a" | "b", to: "a" | "b", n: number): void {
    const out = new Int16Array(n);
    const bytes = new Uint8Array(out.buffer);
    let filled = 0;
    const q = this.#queues[from];
    while (filled < bytes.length && q.length > 0) {
      const head = q[0]!;
      const take = Math.min(head.length, bytes.length - filled);
      bytes.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) q.shift();
      else q[0] = head.subarray(take);
      this.#queuedBytes[from] -= take;
    }
    const sigma = this.options.noiseSigma ?? 0;
    if (sigma > 0) {
      for (let i = 0; i < n; i++) {
        const u = 1 - this.#noise.next(), v = this.#noise.next();
        const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        out[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]! + g * sigma)));
      }
    }
    for (let off = 0; off < n; off += datagramSamplesMax) {
      const part = bytes.subarray(2 * off, 2 * Math.min(n, off + datagramSamplesMax));
      this.#socket.send(part, this.sides[to].udpPort, "127.0.0.1");
    }
    this.stats.deliveredSamples[to] += n;
  }

  /** Lines of a Dire Wolf's log. */
  async log(side: "a" | "b"): Promise<string> {
    return await Deno.readTextFile(this.sides[side].log).catch(() => "");
  }

  /** Stops the relay, socat and Dire Wolf (by pid), and removes the folder unless kept. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const child of this.#children.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const done = child.status.then(() => true);
      const late = new Promise<boolean>((r) => setTimeout(() => r(false), 3000));
      if (!(await Promise.race([done, late]))) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        await child.status;
      }
    }
    for (const f of this.#fifos) {
      try {
        f.close();
      } catch { /* closed */ }
    }
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    if (!this.options.keep) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
