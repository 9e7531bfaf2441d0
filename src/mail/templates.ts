import type { Templates } from '../deps.ts';
import { digestRenderer } from '../editions/render.ts';
import { compiledTemplates } from './templates.generated.ts';

/** The templates compiled at build time (npm run build:templates), ready for either runtime. */
export function builtTemplates(): Templates {
  return {
    welcome: compiledTemplates.welcome,
    accountLink: compiledTemplates['account-link'],
    digest: digestRenderer(compiledTemplates.digest),
  };
}
