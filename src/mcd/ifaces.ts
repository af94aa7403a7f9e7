/**
 * The network interfaces LAN discovery can use: those whose name matches a
 * configured pattern and that have an IPv6 link-local address (the address
 * an announcement comes from, and the scope a call goes through).
 * @module
 */

/** An interface usable for announcements. */
export interface LinkLocalIface {
  name: string;
  /** The interface index (the IPv6 scope id). */
  index: number;
  /** Its link-local address, without the zone. */
  address: string;
}

/** Interfaces as the system lists them; injected in tests. */
export type ListInterfaces = () => Deno.NetworkInterfaceInfo[];

/** Interfaces matching any of `patterns` with a link-local IPv6 address, by name. */
export function linkLocalIfaces(
  patterns: RegExp[],
  list: ListInterfaces = Deno.networkInterfaces,
): LinkLocalIface[] {
  const out = new Map<string, LinkLocalIface>();
  for (const i of list()) {
    if (i.family !== "IPv6" || !/^fe80:/i.test(i.address) || out.has(i.name)) continue;
    if (!patterns.some((re) => re.test(i.name))) continue;
    out.set(i.name, { name: i.name, index: i.scopeid ?? 0, address: i.address.split("%")[0]! });
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}
