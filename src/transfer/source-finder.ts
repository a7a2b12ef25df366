// Where a fetch gets its sources: the addresses it was given, or a network
// search through the overlay. A fetch by name picks the hash most peers hold.
import { NotFoundError, UnavailableError } from '../errors.js';
import type { FindSources, SourceHit } from './types.js';

export interface FoundSources {
  sha256: string;
  /** The name peers use for it, when a search told. */
  name?: string;
  /** What was decided on the user's behalf, e.g. which hash a name picked. */
  note?: string;
  sources: { address: string; peerId: string }[];
}

export async function resolveSources(
  findSources: FindSources | undefined,
  want: {
    sha256?: string;
    name?: string;
    explicit: string[];
    /** Search even with explicit sources, and use both (a resumed fetch: its sources may be gone). */
    searchToo?: boolean;
  },
  signal: AbortSignal,
): Promise<FoundSources> {
  const explicit = want.explicit.map((address) => ({ address, peerId: '' }));
  if (want.sha256) {
    if (explicit.length > 0 && want.searchToo && findSources) {
      const sha256 = want.sha256;
      const hits = await findSources({ sha256 }, signal).catch(() => []);
      const found = hits.filter((h) => h.sha256 === sha256);
      return { sha256, sources: distinct([...found, ...explicit]) };
    }
    if (explicit.length > 0) return { sha256: want.sha256, sources: explicit };
    if (!findSources) {
      throw new UnavailableError(
        'no sources: network search is not available yet; give the addresses of peers that have the file',
      );
    }
    const hits = (await findSources({ sha256: want.sha256 }, signal)).filter(
      (h) => h.sha256 === want.sha256,
    );
    if (hits.length === 0) {
      // Nobody holding it is an answer, not an outage: UNAVAILABLE would tell clients to retry.
      throw new NotFoundError(`no peer on the network has sha256 ${want.sha256}`);
    }
    return { sha256: want.sha256, name: mostCommonName(hits), sources: distinct(hits) };
  }
  const name = want.name ?? '';
  if (!findSources) {
    throw new UnavailableError(
      'no sources: network search is not available yet, so a fetch by name cannot work; fetch by sha256 with source addresses',
    );
  }
  const hits = await findSources({ name }, signal);
  if (hits.length === 0)
    throw new NotFoundError(`no peer on the network has a file named "${name}"`);
  const bySha = new Map<string, SourceHit[]>();
  for (const hit of hits) bySha.set(hit.sha256, [...(bySha.get(hit.sha256) ?? []), hit]);
  const ranked = [...bySha.entries()].sort(
    ([, a], [, b]) => distinct(b).length - distinct(a).length,
  );
  const [sha256, chosen] = ranked[0]!;
  const holders = distinct(chosen).length;
  const note =
    ranked.length === 1
      ? `"${name}" is sha256 ${sha256}, held by ${holders} peer(s)`
      : `"${name}" matches ${ranked.length} different files; picked sha256 ${sha256}, held by ${holders} peer(s), the most`;
  const sources = distinct([...chosen, ...explicit.map((e) => ({ ...e, sha256, name, size: 0 }))]);
  return { sha256, name: mostCommonName(chosen), note, sources };
}

function distinct(
  hits: { address: string; peerId: string }[],
): { address: string; peerId: string }[] {
  const seen = new Map<string, { address: string; peerId: string }>();
  for (const h of hits)
    if (!seen.has(h.address)) seen.set(h.address, { address: h.address, peerId: h.peerId });
  return [...seen.values()];
}

/** The name most peers give the file: one vote per peer (its first hit), however many hits it sent. */
function mostCommonName(hits: SourceHit[]): string | undefined {
  const votes = new Map<string, string>();
  for (const h of hits) {
    const voter = h.peerId || h.address;
    if (h.name && !votes.has(voter)) votes.set(voter, h.name);
  }
  const counts = new Map<string, number>();
  for (const name of votes.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
