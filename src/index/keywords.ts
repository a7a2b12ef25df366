// Keyword matching over file names: case- and accent-insensitive, every
// query term must be the prefix of a token of one name. Token prefixes (not
// arbitrary substrings) keep the match routable by keyword filters.

/** Lowercase, accents stripped, compatibility forms folded. */
export function normalize(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Letters-and-digits runs of the normalized text. */
export function tokenize(text: string): string[] {
  return normalize(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** A compiled query: match(name) is true when every term prefixes a token of name. */
export function compileQuery(query: string): { terms: string[]; match: (name: string) => boolean } {
  const terms = [...new Set(tokenize(query))];
  return {
    terms,
    match: (name) => {
      if (terms.length === 0) return true;
      const tokens = tokenize(name);
      return terms.every((term) => tokens.some((token) => token.startsWith(term)));
    },
  };
}
