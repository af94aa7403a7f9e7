/**
 * "Did you mean ...?" for a mistyped command or option: the known names
 * closest to the word (optimal string alignment distance under 3, and at
 * least 40 % alike).
 * @module
 */

/** Largest edit distance still suggested. */
const DISTANCE_MAX = 3;
/** Least share of the longer word that must match. */
const SIMILARITY_MIN = 0.4;

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The text to append to an error about `word`: `\n(Did you mean X?)`, or
 * `\n(Did you mean one of X, Y?)`, or "" when nothing is close.
 */
export function suggestSimilar(word: string, candidates: readonly string[]): string {
  const options = word.startsWith("--");
  const strip = (s: string) => options ? s.slice(2) : s;
  const target = strip(word);
  let best = DISTANCE_MAX;
  let similar: string[] = [];
  for (const candidate of new Set(candidates.map(strip))) {
    if (candidate.length <= 1) continue;
    const distance = editDistance(target, candidate);
    const length = Math.max(target.length, candidate.length);
    if ((length - distance) / length <= SIMILARITY_MIN) continue;
    if (distance < best) {
      best = distance;
      similar = [candidate];
    } else if (distance === best) similar.push(candidate);
  }
  similar.sort((a, b) => a.localeCompare(b));
  if (options) similar = similar.map((c) => `--${c}`);
  if (similar.length > 1) return `\n(Did you mean one of ${similar.join(", ")}?)`;
  if (similar.length === 1) return `\n(Did you mean ${similar[0]}?)`;
  return "";
}
