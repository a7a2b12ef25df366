// Where the web UI's files are: static pages in ui/static, scripts compiled
// by `npm run build` (ui/tsconfig.json) into dist/ui.
import { fileURLToPath } from 'node:url';

export const UI_STATIC = fileURLToPath(new URL('../../../ui/static', import.meta.url));
export const UI_SCRIPTS = fileURLToPath(new URL('../../ui', import.meta.url));
