/**
 * Runs async tasks one at a time, in the order they were queued: a modem
 * handles one command sequence at a time.
 * @module
 */

/** A FIFO lock. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  /** Tasks queued or running. */
  get queued(): number {
    return this.#queued;
  }

  /** Runs `task` after every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.#queued++;
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => this.#queued--,
      () => this.#queued--,
    );
    return result;
  }
}
