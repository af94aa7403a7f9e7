/**
 * Looking up a neighbour by name or base32 id, as NNCP's `-node` does.
 * @module
 */

import type { Config, Neighbour } from "./types.ts";

/** Raised for a node name or id the configuration does not know. */
export class UnknownNodeError extends Error {
  override name = "UnknownNodeError";
}

/**
 * The neighbour called `nameOrId` (a `neigh` name or a base32 node id).
 * @throws {UnknownNodeError} naming the known neighbours.
 */
export function findNode(config: Config, nameOrId: string): Neighbour {
  const byName = config.neigh.get(nameOrId);
  if (byName) return byName;
  const byId = config.neighById.get(nameOrId);
  if (byId) return byId;
  const known = [...config.neigh.keys()].filter((n) => n !== "self").join(", ") || "(none)";
  throw new UnknownNodeError(
    `unknown node ${
      JSON.stringify(nameOrId)
    }: known neighbours are ${known}; add it to neigh in ${config.path}`,
  );
}

/** The display name of a node id: its `neigh` name, or the id itself. */
export function nodeName(config: Config, id: string): string {
  if (config.self?.idText === id) return "self";
  return config.neighById.get(id)?.name ?? id;
}
