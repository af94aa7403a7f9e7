/**
 * The table `queue ls` prints, byte for byte as `fspl queue-ls`: a header,
 * then one row per valid job sorted by seq (duplicates and jobs below
 * `nextseq` included): the seq left-aligned in 20 columns, the local
 * creation time in 27, then the file name.
 *
 * @example
 * ```ts
 * import { formatListing } from "./listing.ts";
 * console.assert(formatListing([]).startsWith("ID                   creation timestamp"));
 * ```
 * @module
 */

import { bySeq, type ScannedJob } from "./scan.ts";
import { formatCtimeLocal } from "./time_format.ts";

/** The listing for `jobs` (any order; sorted here). */
export function formatListing(jobs: ScannedJob[]): string {
  const lines = [`${"ID".padEnd(20)} ${"creation timestamp".padEnd(27)} filename`];
  for (const job of bySeq(jobs)) {
    const when = formatCtimeLocal(job.ctimeSecs, job.ctimeNanos);
    lines.push(`${String(job.seq).padEnd(20)} ${when.padEnd(27)} ${job.fileName}`);
  }
  return lines.join("\n") + "\n";
}
