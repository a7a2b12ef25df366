// axe-core, from npm, run inside the page under test: no network, no service.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  /** Elements affected. */
  nodes: number;
  /** CSS selectors of the first few. */
  targets: string;
}

/** The page's violations of the WCAG 2 A/AA rules and best practices axe checks by default. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"')))
    await page.addScriptTag({ path: AXE });
  // Browser-side code as text: the test's TypeScript has no DOM types.
  return page.evaluate<AxeViolation[]>(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '),
    })))`);
}
