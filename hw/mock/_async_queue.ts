/**
 * A queue with at most one waiting consumer, used by the mock links: the
 * consumer awaits `take()`, producers `push()`, and `end()` makes takes
 * resolve `null` once the queue is empty.
 * @module
 */

/** One waiting consumer at a time; a second concurrent take is a bug. */
export class AsyncQueue<T> {
  #items: T[] = [];
  #ended = false;
  #waiter: ((item: T | null) => void) | null = null;
  readonly #label: string;

  /** `label` names the queue in misuse errors. */
  constructor(label: string) {
    this.#label = label;
  }

  /** Items waiting. */
  get length(): number {
    return this.#items.length;
  }

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** True while a `take()` waits. */
  get waiting(): boolean {
    return this.#waiter !== null;
  }

  /** Adds an item, handing it straight to a waiting consumer if there is one. */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter(item);
    } else {
      this.#items.push(item);
    }
  }

  /** Puts an item back at the front (a partly consumed chunk). */
  unshift(item: T): void {
    this.#items.unshift(item);
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    return this.#items.shift();
  }

  /** Resolves with the next item, or `null` once ended and empty. */
  take(signal?: AbortSignal): Promise<T | null> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiter) {
      return Promise.reject(
        new Error(`${this.#label}: a second read started while one is pending`),
      );
    }
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.#waiter === done) this.#waiter = null;
        reject(signal?.reason);
      };
      const done = (item: T | null) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(item);
      };
      this.#waiter = done;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** No more items will come; a waiting take resolves `null` if the queue is empty. */
  end(): void {
    this.#ended = true;
    if (this.#waiter && this.#items.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter(null);
    }
  }

  /** Drops everything queued (an unplug loses buffered data). */
  clear(): void {
    this.#items = [];
  }
}
