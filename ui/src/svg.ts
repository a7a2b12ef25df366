// SVG elements by hand: the charts, map and chunk bars are a few shapes each,
// smaller drawn directly than any charting library.

const NS = 'http://www.w3.org/2000/svg';

type Child = Node | string | null | undefined | false;

/** Creates an SVG element: svg('rect', {x: 0, width: 4}). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A colour class per series or source: a palette that colour-blind eyes can tell apart. */
export function colorClass(i: number): string {
  return `c${((i % 6) + 6) % 6}`;
}
