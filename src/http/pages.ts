import Mustache from 'mustache';
import type { Config, Language } from '../config.ts';
import { CATALOGUES, translator, type Catalogue, type Translator } from '../i18n.ts';
import { escapeHtml } from '../mail/template.ts';
import { pageTemplates, publicationCopy } from '../mail/templates.generated.ts';
import { textOn } from './colour.ts';

/**
 * The reader-facing web pages: Mustache templates from templates/pages (compiled into the generated
 * module, so no file is read at runtime and a Worker renders them the same way), one shared layout
 * with the page as its `body` partial. Every value is HTML-escaped; the templates hold no triple
 * mustaches. Static texts are read by the templates themselves as {{t.site.…}}; texts with values
 * (prices, dates, counts) are filled in here from the same catalogue.
 */
// The staff console's pages (admin-*) have a layout of their own: src/http/console/view.ts.
export type PageName = Exclude<keyof typeof pageTemplates, 'layout' | `admin-${string}`>;

export interface PublicationCopy {
  description: string;
  benefits: readonly string[];
}

type SiteConfig = Pick<Config, 'publicUrl' | 'publication'>;

/** What every page of one publication shares: its texts, its copy and the layout's values. */
export interface Site {
  t: Translator;
  copy: PublicationCopy;
  publicUrl: string;
  name: string;
  /** The layout's values that are the same on every page. */
  chrome: Record<string, unknown>;
}

/** "site.offer.submit" → { site: { offer: { submit } } }, so a template can say {{t.site.offer.submit}}. */
function nested(catalogue: Catalogue): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(catalogue)) {
    const path = key.split('.');
    let node = root;
    for (const part of path.slice(0, -1)) {
      const next = (node[part] ??= {});
      if (typeof next !== 'object') throw new Error(`catalogue key "${key}": "${part}" is a text and a group at once`);
      node = next as Record<string, unknown>;
    }
    const leaf = path[path.length - 1]!;
    if (typeof node[leaf] === 'object') throw new Error(`catalogue key "${key}" is a text and a group at once`);
    node[leaf] = text;
  }
  return root;
}

/** The first letter or digit of the name, for the monogram and the favicon. */
export function initialOf(name: string): string {
  return (/[\p{L}\p{N}]/u.exec(name)?.[0] ?? 'G').toLocaleUpperCase();
}

function footerLinks(config: SiteConfig, t: Translator) {
  const p = config.publication;
  return [
    p.siteUrl && { href: p.siteUrl, label: t.t('site.footer.website') },
    { href: '/archive', label: t.t('site.footer.archive') },
    { href: '/account', label: t.t('site.footer.account') },
    p.termsUrl && { href: p.termsUrl, label: t.t('site.footer.terms') },
    p.privacyUrl && { href: p.privacyUrl, label: t.t('site.footer.privacy') },
    p.contactEmail && { href: `mailto:${p.contactEmail}`, label: t.t('site.footer.contact') },
  ].filter(Boolean);
}

const sites = new WeakMap<SiteConfig, Site>();

/** The site of a configuration, built once (deps.config is frozen for the life of the app). */
export function siteOf(config: SiteConfig): Site {
  let site = sites.get(config);
  if (site) return site;
  const p = config.publication;
  const t = translator(p);
  const copy = (publicationCopy as Record<Language, PublicationCopy>)[p.language];
  site = {
    t,
    copy,
    publicUrl: config.publicUrl,
    name: p.name,
    chrome: {
      lang: p.locale,
      og_locale: p.locale.replace('-', '_'),
      accent: p.accent,
      on_accent: textOn(p.accent),
      publication: { name: p.name, tagline: p.tagline ?? null, logo_url: p.logoUrl ?? null, initial: initialOf(p.name), address: p.address ?? null },
      copy,
      footer_links: footerLinks(config, t),
      t: nested(CATALOGUES[p.language]),
    },
  };
  sites.set(config, site);
  return site;
}

export interface PageMeta {
  /** The page's own title; the publication's name follows it in <title>. Absent: the name alone (the front page). */
  title?: string;
  /** For search results and link previews; the publication's description when absent. */
  description?: string;
  /** Public pages name their path: it becomes the canonical URL. Pages without one (signed links, errors) are never indexed. */
  path?: string;
  /** The bar with the name and navigation; the offer page is its own masthead. */
  topbar?: boolean;
}

/** One page in the layout. `view` holds the page's own values; they may not shadow the layout's. */
export function renderPage(site: Site, name: PageName, meta: PageMeta, view: Record<string, unknown> = {}): string {
  const pageTitle = meta.title ? `${meta.title} ${site.t.t('site.title_separator')} ${site.name}` : site.name;
  return Mustache.render(
    pageTemplates.layout,
    {
      ...view,
      ...site.chrome,
      page_title: pageTitle,
      share_title: meta.title ?? site.name,
      description: meta.description ?? site.copy.description,
      canonical: meta.path === undefined ? null : `${site.publicUrl}${meta.path}`,
      noindex: meta.path === undefined,
      topbar: meta.topbar ?? true,
    },
    { body: pageTemplates[name] },
    { escape: escapeHtml },
  );
}

export interface MessageView {
  heading: string;
  paragraphs: string[];
  /** The main way on, as a button. */
  link?: { href: string; label: string };
  /** A button that posts (resume, unsubscribe); `one_click` adds RFC 8058's field. */
  form?: { action: string; label: string; one_click?: boolean };
  /** A quieter line under the buttons, with an optional link. */
  aside?: { text: string; href: string | null; label: string | null };
}

/** The short pages (thank you, check your email, errors…): a heading, a few sentences, a way on. */
export function messagePage(site: Site, v: MessageView, meta: Omit<PageMeta, 'title'> = {}): string {
  return renderPage(site, 'message', { ...meta, title: v.heading }, { heading: v.heading, paragraphs: v.paragraphs, link: v.link ?? null, form: v.form ?? null, aside: v.aside ?? null });
}

/** The front page's link back, used by most short pages. */
export const homeLink = (site: Site) => ({ href: '/', label: site.t.t('site.back_home') });
