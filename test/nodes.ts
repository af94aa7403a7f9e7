/**
 * Test networks made of the vector identities (alice, bob, carol): configs
 * with `@ROOT@` replaced by a temporary folder, their spool, incoming, pub
 * and log folders created, files written with mode 600. alice reaches carol
 * via bob; every node has the exec handles `appender` and `echo`.
 * @module
 */

import { vectorConfig } from "./helpers.ts";

/** One vector node set up under a root folder. */
export interface TestNode {
  name: string;
  cfg: string;
  dir: string;
  spool: string;
  incoming: string;
  pub: string;
  log: string;
}

/** Node ids of the vector identities. */
export const IDS = {
  alice: "36N53ZAS2X7GYXKZPGUGLRU53XIVNEQMRNLF5VTAQRQGVX54A3KQ",
  bob: "JIHU3APBZHWUGIJIOZQ5Z6C4LOKLEYTVGOFNGKU7U2TCMZZWQT3Q",
  carol: "ZLYDX7SAADK4JBTTZBMYIWVLJVC4YFOKIZEJDPE4Q7EPAH7V3P7A",
} as const;

/** Sets up the named vector nodes under `root`. */
export async function setupNodes(
  root: string,
  names: (keyof typeof IDS)[] = ["alice", "bob", "carol"],
  edit?: (name: string, cfg: Record<string, unknown>) => void,
): Promise<Record<string, TestNode>> {
  const out: Record<string, TestNode> = {};
  for (const name of names) {
    const dir = `${root}/nodes/${name}`;
    for (const sub of ["spool", "incoming", "pub"]) {
      await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
    }
    const cfgObj = JSON.parse(await vectorConfig(name, root));
    edit?.(name, cfgObj);
    const cfg = `${root}/${name}.hjson`;
    await Deno.writeTextFile(cfg, JSON.stringify(cfgObj, null, 2), { mode: 0o600 });
    out[name] = {
      name,
      cfg,
      dir,
      spool: `${dir}/spool`,
      incoming: `${dir}/incoming`,
      pub: `${dir}/pub`,
      log: `${dir}/log`,
    };
  }
  return out;
}

/** Names of the regular files directly in `dir` (sorted; empty when missing). */
export async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}
