import type { Context } from 'hono';
import Mustache from 'mustache';
import type { Config } from '../../config.ts';
import { escapeHtml } from '../../mail/template.ts';
import { pageTemplates } from '../../mail/templates.generated.ts';
import { textOn } from '../colour.ts';
import { initialOf } from '../pages.ts';

/**
 * The staff console's pages: Mustache templates from templates/pages/admin-*.html in a layout of
 * their own (the reader pages' palette and type, a denser tool's chrome). Staff pages are English
 * only: they are for the publisher's own people, not its readers. Every value is HTML-escaped.
 */
export type ConsolePage = Exclude<Extract<keyof typeof pageTemplates, `admin-${string}`>, 'admin-layout'>;

/** Who is looking, as the layout needs it: the form token, and a name for the sign-out button. */
export interface ConsoleViewer {
  csrf: string;
  staff: string;
}

export type Section = 'dashboard' | 'readers' | 'editions' | 'articles' | 'suppressions';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'dashboard', href: '/admin', label: 'Dashboard' },
  { section: 'readers', href: '/admin/readers', label: 'Readers' },
  { section: 'editions', href: '/admin/editions', label: 'Editions' },
  { section: 'articles', href: '/admin/articles', label: 'Articles & feeds' },
  { section: 'suppressions', href: '/admin/suppressions', label: 'Suppressions' },
];

/** The texts a redirect back may ask for (?done=…): a fixed set, so a link can't put words on the page. */
const NOTICES: Record<string, string> = {
  signed_out: 'You are signed out.',
  lifted: 'The suppression is lifted: the address can be mailed again.',
  suppressed: 'The address is on the suppression list: nothing more is mailed to it.',
  resumed: 'The digest is on again for this reader.',
  stopped: 'The digest is stopped for this reader.',
  resent: "Today's edition is on its way to this reader again.",
  erased: 'The reader is erased. If the address was suppressed, only its hash stays on the list.',
  sending: 'The edition is sending in the background. This page follows it.',
  nothing_new: 'No new articles: there is no edition to send today.',
  excluded: 'The article is left out of the next edition.',
  included: 'The article is back among the next edition’s candidates.',
  polled: 'Feeds polled.',
};

export const noticeFrom = (c: Context): string | null => {
  const key = c.req.query('done') ?? '';
  return Object.hasOwn(NOTICES, key) ? NOTICES[key]! : null;
};

/** Browsers ask for pages; scripts (no Accept, or JSON) keep the JSON answers the API always gave. */
export const wantsPage = (c: Context): boolean => /\btext\/html\b/.test(c.req.header('accept') ?? '');

type ConsoleConfig = Pick<Config, 'publication'>;

export function renderConsole(
  config: ConsoleConfig,
  page: ConsolePage,
  meta: { title: string; section?: Section; notice?: string | null },
  viewer: ConsoleViewer | null,
  view: Record<string, unknown> = {},
): string {
  const p = config.publication;
  return Mustache.render(
    pageTemplates['admin-layout'],
    {
      ...view,
      page_title: `${meta.title} · ${p.name} staff`,
      accent: p.accent,
      on_accent: textOn(p.accent),
      publication: { name: p.name, initial: initialOf(p.name) },
      nav: viewer ? NAV.map((n) => ({ ...n, current: n.section === meta.section })) : null,
      viewer: viewer && { csrf: viewer.csrf, staff: viewer.staff.startsWith('token:') ? 'ADMIN_TOKEN' : viewer.staff },
      csrf: viewer?.csrf ?? '',
      notice: meta.notice ?? null,
    },
    { body: pageTemplates[page] },
    // Numbers too (counts, chart coordinates): everything is text once escaped.
    { escape: (value: unknown) => escapeHtml(String(value)) },
  );
}

/** The console's short pages: a heading, a few sentences, a way on (errors, "check your mail"). */
export function consoleMessage(
  config: ConsoleConfig,
  viewer: ConsoleViewer | null,
  v: { heading: string; paragraphs: string[]; link?: { href: string; label: string } },
): string {
  return renderConsole(config, 'admin-message', { title: v.heading }, viewer, { heading: v.heading, paragraphs: v.paragraphs, link: v.link ?? null });
}
