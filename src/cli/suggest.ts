// "Did you mean" for a mistyped command. yargs' recommendCommands stays
// silent here: the default command ($0, the daemon) takes the word as an
// unknown argument instead.

/** Edit distance (insert, delete, substitute, swap two neighbors). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

/** The command closest to `word` (at most 2 edits away), if any. */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** yargs' failure message with a suggestion when it names a mistyped command. */
export function withSuggestion(message: string, commands: readonly string[]): string {
  const word = /^Unknown arguments?: ([^,\s]+)/.exec(message)?.[1];
  const close = word ? closestCommand(word, commands) : undefined;
  return close ? `${message}; did you mean "${close}"?` : message;
}
