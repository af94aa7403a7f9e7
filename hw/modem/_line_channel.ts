/**
 * The line layer of the ASCII modems (RN2483, RUI3): reads the port in the
 * background, cuts the stream into lines (CR and/or LF, empty lines
 * skipped, over-long lines discarded), and hands each line either to the
 * first waiting expectation that accepts it or, if none does, to the
 * driver's handler for unsolicited lines (received frames, events).
 * @module
 */

import type { Clock } from "../clock/clock.ts";
import { type ByteLink, LinkClosedError } from "../link/link.ts";
import type { Logger } from "../log.ts";
import { ModemTimeoutError } from "./errors.ts";
import { Mutex } from "./_mutex.ts";

/** What a {@linkcode LineChannel} needs from its driver. */
export interface LineChannelOptions {
  /** Driver kind, for errors and logs. */
  modem: string;
  log: Logger;
  clock: Clock;
  /** Longest line kept, in characters; longer ones are discarded whole. */
  lineCharsMax: number;
  /** A line no expectation accepted. */
  onLine(line: string): void;
  /** The port ended (hang-up or close). */
  onEnd(): void;
}

interface Waiter {
  match(line: string): unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Line-oriented access to a modem on a byte link. */
export class LineChannel {
  readonly #port: ByteLink;
  readonly #options: LineChannelOptions;
  readonly #writes = new Mutex();
  #waiters: Waiter[] = [];
  #partial = "";
  #discarding = false;
  #ended = false;
  #loop: Promise<void> | null = null;

  constructor(port: ByteLink, options: LineChannelOptions) {
    this.#port = port;
    this.#options = options;
  }

  /** True once the port ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Starts reading the port. */
  start(): void {
    this.#loop ??= this.#readLoop();
  }

  /** Writes `text` and CR LF. */
  writeLine(text: string): Promise<void> {
    if (this.#ended) {
      return Promise.reject(new LinkClosedError(`${this.#options.modem}: the port is closed`));
    }
    this.#options.log.debug("modem-command", { modem: this.#options.modem, line: text });
    const bytes = new TextEncoder().encode(text + "\r\n");
    return this.#writes.run(() => this.#port.write(bytes));
  }

  /**
   * Waits for the first line `match` maps to a value other than `undefined`.
   * Rejects with {@linkcode ModemTimeoutError} after `timeoutMs` and with
   * {@linkcode LinkClosedError} when the port ends; with `cancel`'s reason
   * when it aborts (an expectation registered early that is not needed).
   * Register an expectation before sending what triggers it: lines that
   * arrive while nobody waits go to the unsolicited handler.
   */
  expect<T>(
    match: (line: string) => T | undefined,
    timeoutMs: number,
    what: string,
    cancel?: AbortSignal,
  ): Promise<T> {
    if (this.#ended) {
      return Promise.reject(new LinkClosedError(`${this.#options.modem}: the port is closed`));
    }
    if (cancel?.aborted) return Promise.reject(cancel.reason);
    const { clock, modem } = this.#options;
    return new Promise<T>((resolve, reject) => {
      const timer = new AbortController();
      const remove = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        cancel?.removeEventListener("abort", onCancel);
        timer.abort();
      };
      const onCancel = () => {
        remove();
        reject(cancel?.reason);
      };
      const waiter: Waiter = {
        match,
        resolve: (value) => {
          remove();
          resolve(value as T);
        },
        reject: (error) => {
          remove();
          reject(error);
        },
      };
      this.#waiters.push(waiter);
      cancel?.addEventListener("abort", onCancel, { once: true });
      clock.sleep(timeoutMs, timer.signal).then(() => {
        remove();
        reject(
          new ModemTimeoutError(
            modem,
            `${modem}: no answer to ${what} within ${timeoutMs} ms`,
            what,
          ),
        );
      }, () => {});
    });
  }

  /** Sends `text` and waits for the answer `match` accepts. */
  async request<T>(
    text: string,
    match: (line: string) => T | undefined,
    timeoutMs: number,
  ): Promise<T> {
    const answer = this.expect(match, timeoutMs, JSON.stringify(text));
    try {
      await this.writeLine(text);
    } catch (err) {
      answer.catch(() => {});
      throw err;
    }
    return await answer;
  }

  /** Closes the port and waits for the read loop to finish. */
  async close(): Promise<void> {
    await this.#port.close();
    await this.#loop;
  }

  async #readLoop(): Promise<void> {
    const decoder = new TextDecoder("latin1");
    try {
      for (;;) {
        const chunk = await this.#port.read();
        if (chunk === null) break;
        this.#feed(decoder.decode(chunk));
      }
    } catch (err) {
      this.#options.log.warn("modem-read-failed", {
        modem: this.#options.modem,
        error: (err as Error).message,
      });
    }
    this.#ended = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    const closed = new LinkClosedError(`${this.#options.modem}: the port closed or hung up`);
    for (const w of waiters) w.reject(closed);
    this.#options.onEnd();
  }

  #feed(text: string): void {
    const { lineCharsMax, log, modem } = this.#options;
    for (const ch of text) {
      if (ch === "\r" || ch === "\n") {
        const line = this.#partial;
        this.#partial = "";
        if (this.#discarding) this.#discarding = false;
        else if (line.length > 0) this.#dispatch(line);
        continue;
      }
      if (this.#discarding) continue;
      this.#partial += ch;
      if (this.#partial.length > lineCharsMax) {
        log.warn("modem-line-too-long", { modem, charsMax: lineCharsMax });
        this.#partial = "";
        this.#discarding = true;
      }
    }
  }

  #dispatch(line: string): void {
    for (const waiter of this.#waiters) {
      const value = waiter.match(line);
      if (value === undefined) continue;
      this.#options.log.debug("modem-answer", { modem: this.#options.modem, line });
      waiter.resolve(value);
      return;
    }
    this.#options.onLine(line);
  }
}
