/**
 * Optimal string alignment distance: Levenshtein plus the swap of two adjacent characters
 * (the commonest typo), compared without case. Small strings only: O(a x b).
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[s.length]![t.length]!;
}

function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n]!.toLowerCase() === b[n]!.toLowerCase()) n++;
  return n;
}

/**
 * The candidate `word` is most likely a typo of, or undefined when none is near: at most a
 * third of the word's characters wrong (at least 2). A shared start counts for a little (half
 * an edit per character, up to 2), since settings of one component share a prefix: dbInstanceType
 * is nearer dbInstanceClass than hostInstanceType. Ties go to the first in the list.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate) - Math.min(commonPrefixLength(word, candidate), 4) / 2;
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** `; did you mean X?` for a near candidate (as `prefix` + X, the way the user types it), else `otherwise`. */
export function didYouMean(word: string, candidates: readonly string[], otherwise: string, prefix = ""): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? otherwise : `; did you mean ${prefix}${match}?`;
}
