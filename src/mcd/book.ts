/**
 * What LAN announcements taught us: for each neighbour, the addresses it
 * announced and when each was last heard. An address not heard for
 * {@linkcode mcdAddrLifetimeMs} is forgotten, as NNCP does.
 * @module
 */

/** How long an announced address stays usable without being heard again (NNCP: 2 minutes). */
export const mcdAddrLifetimeMs = 120_000;
/** Most addresses kept per neighbour; the oldest heard goes first. */
export const mcdAddrsPerNodeMax = 16;

/** Announced addresses by node id (base32). */
export class McdAddressBook {
  readonly #seen = new Map<string, Map<string, number>>();

  /** Records that `nodeId` announced `addr` at `nowMs`; true when the address is new. */
  heard(nodeId: string, addr: string, nowMs: number): boolean {
    this.#expire(nowMs);
    let addrs = this.#seen.get(nodeId);
    if (!addrs) this.#seen.set(nodeId, addrs = new Map());
    const isNew = !addrs.has(addr);
    addrs.delete(addr);
    addrs.set(addr, nowMs);
    while (addrs.size > mcdAddrsPerNodeMax) addrs.delete(addrs.keys().next().value!);
    return isNew;
  }

  /** The live addresses of `nodeId`, most recently heard first. */
  addrsOf(nodeId: string, nowMs: number): string[] {
    this.#expire(nowMs);
    return [...(this.#seen.get(nodeId)?.keys() ?? [])].reverse();
  }

  /** Every node with a live address, and its addresses (for status). */
  all(nowMs: number): Record<string, string[]> {
    this.#expire(nowMs);
    const out: Record<string, string[]> = {};
    for (const [id, addrs] of this.#seen) out[id] = [...addrs.keys()].reverse();
    return out;
  }

  #expire(nowMs: number): void {
    for (const [id, addrs] of this.#seen) {
      for (const [addr, at] of addrs) {
        if (nowMs - at > mcdAddrLifetimeMs) addrs.delete(addr);
      }
      if (addrs.size === 0) this.#seen.delete(id);
    }
  }
}
