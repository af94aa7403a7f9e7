/**
 * The module side of an ASCII serial protocol, for fake modems: reads
 * lines (CR LF) from the host and writes answers, one at a time.
 * @module
 */

import type { ByteLink } from "../../link/link.ts";

/** Longest command line a fake accepts before discarding it, in characters. */
export const fakeLineCharsMax = 1024;

/** Line I/O over a byte link, from the module's side. */
export class LineEndpoint {
  readonly #port: ByteLink;
  #writing: Promise<void> = Promise.resolve();
  #loop: Promise<void> | null = null;
  /** The host went away (port ended). */
  ended = false;

  constructor(port: ByteLink) {
    this.#port = port;
  }

  /** Starts handing each received line to `onLine`. */
  start(onLine: (line: string) => void): void {
    this.#loop ??= (async () => {
      const decoder = new TextDecoder("latin1");
      let partial = "";
      try {
        for (;;) {
          const chunk = await this.#port.read();
          if (chunk === null) break;
          for (const ch of decoder.decode(chunk)) {
            if (ch === "\r" || ch === "\n") {
              if (partial.length > 0) onLine(partial);
              partial = "";
            } else if (partial.length < fakeLineCharsMax) {
              partial += ch;
            }
          }
        }
      } catch { /* port failed: treat as gone */ }
      this.ended = true;
    })();
  }

  /** Writes `line` and CR LF after everything written before. */
  say(line: string): Promise<void> {
    return this.writeRaw(new TextEncoder().encode(line + "\r\n"));
  }

  /** Writes raw bytes after everything written before. */
  writeRaw(bytes: Uint8Array): Promise<void> {
    const next = this.#writing.then(() => this.ended ? undefined : this.#port.write(bytes));
    this.#writing = next.catch(() => {});
    return next.catch(() => {});
  }

  /** Closes the port and waits for the read loop to stop. */
  async close(): Promise<void> {
    await this.#port.close();
    await this.#loop;
  }
}
