/**
 * A real `mosquitto` for tests: a config file written here, a random free
 * port on 127.0.0.1, persistence in the test's folder, and start, stop and
 * restart by process id (the port stays the same across restarts, so
 * clients can reconnect). Optional password file, ACL file and a bridge to
 * another broker.
 *
 * ```ts
 * const broker = await Broker.start(dir);
 * try {
 *   // mqtt://127.0.0.1:${broker.port}
 * } finally {
 *   await broker.stop();
 * }
 * ```
 * @module
 */

import { runOk } from "../helpers.ts";

/** Longest wait for the broker to accept connections, ms. */
export const brokerStartMsMax = 15_000;

/** A user of the password file. */
export interface BrokerUser {
  username: string;
  password: string;
}

/** What the broker is started with. */
export interface BrokerOptions {
  /** Users; when given, anonymous clients are refused. */
  users?: BrokerUser[];
  /** ACL file text (mosquitto's `acl_file` format). */
  acl?: string;
  /** Bridge this broker to another one on 127.0.0.1 (topics matching `topic` both ways at QoS 1). */
  bridgeTo?: { port: number; topic: string };
  /** `max_packet_size` in bytes (0: mosquitto's default). */
  maxPacketBytes?: number;
  /** `max_queued_messages` per client (default 1000, like mosquitto). */
  maxQueuedMessages?: number;
  /** Serve TLS (mqtts) with these PEM files; `clientCa` also requires a client certificate. */
  tls?: { cert: string; key: string; clientCa?: string };
  /**
   * Also serve MQTT over WebSocket on another port of 127.0.0.1 (`ws://`,
   * or `wss://` with `tls`). mosquitto 2.0.11 starts a WebSocket listener
   * only beside a plain one, and binds it to the given address only with
   * `socket_domain ipv4` (without it libwebsockets listens on every address).
   */
  websockets?: boolean;
  /** Extra config lines. */
  extra?: string[];
}

/** One mosquitto process under test control. */
export class Broker {
  #child: Deno.ChildProcess | null = null;
  #logFile: Deno.FsFile | null = null;
  #pumped: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly configPath: string,
    readonly logPath: string,
    readonly tls = false,
    readonly wsPort = 0,
  ) {}

  /** The broker's WebSocket URL (`wss://` when it serves TLS); only with `websockets`. */
  get wsUrl(): string {
    if (!this.wsPort) throw new Error("this broker serves no WebSocket");
    return `${this.tls ? "wss" : "ws"}://127.0.0.1:${this.wsPort}/mqtt`;
  }

  /** The broker's URL (`mqtts://` when it serves TLS). */
  get url(): string {
    return `${this.tls ? "mqtts" : "mqtt"}://127.0.0.1:${this.port}`;
  }

  /** The running process id (throws when stopped). */
  get pid(): number {
    if (!this.#child) throw new Error("broker is not running");
    return this.#child.pid;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** Writes the config under `dir/broker-NAME/` and starts mosquitto. */
  static async start(dir: string, options: BrokerOptions = {}, name = "a"): Promise<Broker> {
    const home = `${dir}/broker-${name}`;
    await Deno.mkdir(`${home}/data`, { recursive: true });
    const port = freePort();
    const wsPort = options.websockets ? freePort() : 0;
    const tlsLines = options.tls
      ? [
        `certfile ${options.tls.cert}`,
        `keyfile ${options.tls.key}`,
        ...(options.tls.clientCa
          ? [`cafile ${options.tls.clientCa}`, "require_certificate true"]
          : []),
      ]
      : [];
    const lines = [
      `listener ${port} 127.0.0.1`,
      ...tlsLines,
      ...(wsPort
        ? [`listener ${wsPort} 127.0.0.1`, "protocol websockets", "socket_domain ipv4", ...tlsLines]
        : []),
      "user root",
      "persistence true",
      `persistence_location ${home}/data/`,
      "autosave_interval 1",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      `max_queued_messages ${options.maxQueuedMessages ?? 1000}`,
    ];
    if (options.maxPacketBytes) lines.push(`max_packet_size ${options.maxPacketBytes}`);
    if (options.users) {
      const pw = `${home}/passwd`;
      await Deno.writeTextFile(pw, "", { mode: 0o600 });
      for (const u of options.users) {
        await runOk("mosquitto_passwd", ["-b", pw, u.username, u.password]);
      }
      lines.push("allow_anonymous false", `password_file ${pw}`);
    } else {
      lines.push("allow_anonymous true");
    }
    if (options.acl !== undefined) {
      const acl = `${home}/acl`;
      await Deno.writeTextFile(acl, options.acl, { mode: 0o600 });
      lines.push(`acl_file ${acl}`);
    }
    if (options.bridgeTo) {
      lines.push(
        `connection bridge-${name}`,
        `address 127.0.0.1:${options.bridgeTo.port}`,
        `topic ${options.bridgeTo.topic} both 1`,
        "cleansession false",
        "bridge_protocol_version mqttv311",
        "restart_timeout 1 5",
      );
    }
    lines.push(...(options.extra ?? []));
    const configPath = `${home}/mosquitto.conf`;
    await Deno.writeTextFile(configPath, lines.join("\n") + "\n", { mode: 0o600 });
    const broker = new Broker(
      home,
      port,
      configPath,
      `${home}/mosquitto.log`,
      !!options.tls,
      wsPort,
    );
    await broker.restart();
    return broker;
  }

  /** Starts the broker again (same port, same persistence) when stopped. */
  async restart(): Promise<void> {
    if (this.#child) await this.stop();
    const child = new Deno.Command("mosquitto", {
      args: ["-c", this.configPath],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const file = Deno.openSync(this.logPath, { write: true, create: true, append: true });
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) file.writeSync(chunk);
    };
    this.#child = child;
    this.#logFile = file;
    this.#pumped = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => {});
    const deadline = Date.now() + brokerStartMsMax;
    for (;;) {
      try {
        for (const port of this.wsPort ? [this.port, this.wsPort] : [this.port]) {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          conn.close();
        }
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.stop();
          const log = await Deno.readTextFile(this.logPath).catch(() => "");
          throw new Error(`mosquitto did not listen on ${this.port}: ${log}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops the broker by pid: SIGTERM (saves its persistence), or SIGKILL with `hard`. */
  async stop(hard = false): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill(hard ? "SIGKILL" : "SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await this.#pumped;
    this.#logFile?.close();
    this.#child = null;
    this.#logFile = null;
    this.#pumped = null;
  }

  /** The broker's log so far. */
  async log(): Promise<string> {
    return await Deno.readTextFile(this.logPath).catch(() => "");
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
