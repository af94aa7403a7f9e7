/**
 * The receive side of a modem driver: a bounded queue of frames with one
 * waiting consumer. When the consumer falls behind, the oldest frame is
 * dropped (and counted): a radio keeps receiving whether or not ferry
 * reads, and memory must stay flat.
 * @module
 */

/** Frames held by default before the oldest is dropped. */
export const receiveQueueFramesDefault = 64;

/** A bounded FIFO of frames with at most one pending `take`. */
export class FrameQueue {
  readonly #max: number;
  readonly #label: string;
  #frames: Uint8Array[] = [];
  #ended = false;
  #waiter: ((frame: Uint8Array | null) => void) | null = null;
  /** Frames dropped because the queue was full. */
  dropped = 0;

  constructor(label: string, framesMax = receiveQueueFramesDefault) {
    this.#label = label;
    this.#max = framesMax;
  }

  /** Adds a frame; returns false when the oldest one had to be dropped. */
  push(frame: Uint8Array): boolean {
    if (this.#ended) return true;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter(frame);
      return true;
    }
    this.#frames.push(frame);
    if (this.#frames.length <= this.#max) return true;
    this.#frames.shift();
    this.dropped++;
    return false;
  }

  /** Next frame; `null` once ended (frames still queued are delivered first). */
  take(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiter) {
      return Promise.reject(new Error(`${this.#label}: receive() called while another is pending`));
    }
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.#waiter === done) this.#waiter = null;
        reject(signal?.reason);
      };
      const done = (f: Uint8Array | null) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(f);
      };
      this.#waiter = done;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends the queue; with `discard`, queued frames are dropped too. */
  end(discard = false): void {
    this.#ended = true;
    if (discard) this.#frames = [];
    if (this.#waiter && this.#frames.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter(null);
    }
  }
}
