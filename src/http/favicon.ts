import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { escapeHtml } from '../mail/template.ts';
import { textOn } from './colour.ts';
import { initialOf } from './pages.ts';

/** The publication's initial on its accent colour, in whichever of black or white reads better. */
export function faviconSvg(publication: { name: string; accent: string }): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="${publication.accent}"/><text x="32" y="46" text-anchor="middle" font-family="Georgia,'Times New Roman',serif" font-size="42" font-weight="700" fill="${textOn(publication.accent)}">${escapeHtml(initialOf(publication.name))}</text></svg>`;
}

/** GET /favicon.svg: made from the settings, so a publisher needs no image to have an icon. */
export function faviconRoutes(deps: Deps) {
  const app = new Hono();
  const svg = faviconSvg(deps.config.publication);
  app.get('/favicon.svg', (c) => c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=86400' }));
  return app;
}
