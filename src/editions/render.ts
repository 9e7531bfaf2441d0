import type { ArticleInput } from '../articles/article.ts';
import Mustache from 'mustache';
import { drawSlotMarker } from '../mail/slots.ts';
import type { CompiledTemplate } from '../mail/template.ts';
import { escapeHtml, headerSafe } from '../mail/template.ts';
import { foldControl, truncate } from '../articles/text.ts';

/** What the digest shows of an article. */
export type EditionArticle = Pick<ArticleInput, 'url' | 'title' | 'summary' | 'image_url' | 'author' | 'section'>;

/** Everything the digest template shows that is the same for every reader. */
export interface EditionView {
  publication: string;
  date: string;
  date_label: string;
  article_count_label: string;
  preview: string;
  publisher_address: string | null;
  articles: EditionArticle[];
}

/**
 * Renders an edition once; the result keeps slots for each reader's own links, marked with
 * `slot_marker` so that no article text can form one.
 */
export type EditionRenderer = (view: EditionView) => Promise<CompiledTemplate & { slot_marker: string }>;

/**
 * The digest renderer over the template MJML compiled at build time: Mustache fills in the edition
 * (every value HTML-escaped), and the template's slots get a marker drawn once the articles are
 * known (see slots.ts). Runtime-neutral: the same on Node and in a Worker.
 */
export function digestRenderer(template: CompiledTemplate): EditionRenderer {
  Mustache.parse(template.html);
  Mustache.parse(template.text);
  return async (view) => {
    const slot_marker = drawSlotMarker(JSON.stringify(view));
    const marked = { ...view, slot_marker };
    return {
      html: Mustache.render(template.html, marked, {}, { escape: escapeHtml }),
      text: Mustache.render(template.text, marked, {}, { escape: (v: string) => v }).replace(/\n{3,}/g, '\n\n'),
      slot_marker,
    };
  };
}

export function editionView(opts: { publication: string; date: string; timezone: string; publisherAddress: string | null; articles: EditionArticle[] }): EditionView {
  const label = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${opts.date}T12:00:00Z`),
  );
  const n = opts.articles.length;
  // Stored text is already folded; folding again here means no path into the template can carry a line break.
  const articles = opts.articles.map((a) => ({
    ...a,
    title: foldControl(a.title),
    summary: a.summary && foldControl(a.summary),
    author: a.author && foldControl(a.author),
    section: a.section && foldControl(a.section),
  }));
  return {
    publication: opts.publication,
    date: opts.date,
    date_label: label,
    article_count_label: `${n} ${n === 1 ? 'story' : 'stories'}`,
    preview: truncate(articles.map((a) => a.title).join(' · '), 140),
    publisher_address: opts.publisherAddress,
    articles,
  };
}

/** One line, no CR/LF: a title can never add a header. */
export function editionSubject(view: EditionView): string {
  const lead = view.articles[0]?.title ?? '';
  return headerSafe(truncate(`${view.publication} · ${view.date_label}: ${lead}`, 150));
}
