import type { ArticleInput } from '../articles/article.ts';
import type { CompiledTemplate } from '../mail/template.ts';
import { headerSafe } from '../mail/template.ts';
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
 * Renders an edition once (MJML on Node); the result keeps slots for each reader's own links, marked
 * with `slot_marker` so that no article text can form one.
 */
export type EditionRenderer = (view: EditionView) => Promise<CompiledTemplate & { slot_marker: string }>;

export function editionView(opts: { publication: string; date: string; timezone: string; publisherAddress: string | null; articles: EditionArticle[] }): EditionView {
  const label = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${opts.date}T12:00:00Z`),
  );
  const n = opts.articles.length;
  return {
    publication: opts.publication,
    date: opts.date,
    date_label: label,
    article_count_label: `${n} ${n === 1 ? 'story' : 'stories'}`,
    preview: truncate(opts.articles.map((a) => a.title).join(' · '), 140),
    publisher_address: opts.publisherAddress,
    // Stored text is already folded; folding again here means no path into the template can carry a line break.
    articles: opts.articles.map((a) => ({
      ...a,
      title: foldControl(a.title),
      summary: a.summary && foldControl(a.summary),
      author: a.author && foldControl(a.author),
      section: a.section && foldControl(a.section),
    })),
  };
}

/** One line, no CR/LF: a title can never add a header. */
export function editionSubject(view: EditionView): string {
  const lead = view.articles[0]?.title ?? '';
  return headerSafe(truncate(`${view.publication} · ${view.date_label}: ${lead}`, 150));
}
