import type { ArticleInput } from '../articles/article.ts';
import Mustache from 'mustache';
import type { Config } from '../config.ts';
import { around, translator } from '../i18n.ts';
import { mailIdentity, type MailIdentity } from '../mail/identity.ts';
import { renderTemplate, type CompiledTemplate } from '../mail/template.ts';
import { foldControl, truncate } from '../articles/text.ts';
import { digestSubject } from './subject.ts';

/** What the digest shows of an article. */
export type EditionArticle = Pick<ArticleInput, 'url' | 'title' | 'summary' | 'image_url' | 'author' | 'section'>;

/** An article as the digest shows it, its byline in the publication's language. */
export interface EditionStory extends EditionArticle {
  byline: string | null;
}

/** Everything the digest template shows that is the same for every reader. */
export interface EditionView extends MailIdentity {
  date: string;
  date_label: string;
  article_count_label: string;
  /** The message's subject, also the HTML's title. */
  subject: string;
  /** The hidden preheader a mail client shows after the subject: the other headlines. */
  preview: string;
  /** Every story in the order the mail shows them: the lead first. */
  articles: EditionStory[];
  lead: EditionStory;
  /** The stories after the lead. */
  stories: EditionStory[];
  /** More than one story: the mail opens with a short list of headlines ("In today's edition"). */
  several: boolean;
  /** The first headlines, for that list. */
  contents: EditionStory[];
  /** How many more stories the list leaves out ("+ 14 more stories"), if any. */
  more: string | null;
  /** The template's own words, in the publication's language. */
  t: {
    in_today: string;
    view_in_browser: string;
    read_story: string;
    /** The footer's sentence, either side of the reader's [[email]]. */
    receiving: { before: string; after: string };
    unsubscribe: string;
    manage: string;
  };
}

/**
 * Renders an edition once; the result keeps slots for each reader's own links, marked with
 * `slot_marker` so that no article text can form one.
 */
export type EditionRenderer = (view: EditionView) => Promise<CompiledTemplate & { slot_marker: string }>;

/**
 * The digest renderer over the template MJML compiled at build time: Mustache fills in the edition
 * and the template's slots get a marker drawn once the articles are known (see renderTemplate).
 * Runtime-neutral: the same on Node and in a Worker.
 */
export function digestRenderer(template: CompiledTemplate): EditionRenderer {
  Mustache.parse(template.html);
  Mustache.parse(template.text);
  return async (view) => renderTemplate(template, view);
}

/** About what a mail client shows of a preheader. */
const PREVIEW_MAX = 150;
/**
 * "In today's edition" stays a short list, as in a morning briefing: twenty headlines there would put
 * the lead below the fold of a phone. The rest are right below.
 */
const CONTENTS_MAX = 6;

/**
 * The edition as the template shows it, in the publication's language: `articles` in the order the
 * mail shows them, the lead first (edition.ts picks it).
 */
export function editionView(settings: Pick<Config, 'publication' | 'digestSubject'>, date: string, articles: EditionArticle[]): EditionView {
  const t = translator(settings.publication);
  const publication = settings.publication.name;
  // Noon UTC of the edition's date: that day, whatever the time zone.
  const day = Date.parse(`${date}T12:00:00Z`);
  // Stored text is already folded; folding again here means no path into the template can carry a line break.
  const stories = articles.map((a) => {
    const author = a.author && foldControl(a.author);
    return {
      ...a,
      title: foldControl(a.title),
      summary: a.summary && foldControl(a.summary),
      author,
      section: a.section && foldControl(a.section),
      byline: author ? t.t('digest.byline', { author }) : null,
    };
  });
  const [lead, ...others] = stories;
  if (!lead) throw new Error('an edition has at least one article');
  return {
    ...mailIdentity(settings.publication),
    date,
    date_label: t.longDate(day, 'UTC'),
    article_count_label: t.plural('digest.stories', stories.length),
    subject: digestSubject(settings.digestSubject, { lead: lead.title, date: t.date(day, 'UTC'), publication, count: new Intl.NumberFormat(t.locale).format(stories.length) }),
    // The lead's headline is the subject; the preheader goes on with the others.
    preview: truncate(others.length ? others.map((a) => a.title).join(' · ') : (lead.summary ?? t.longDate(day, 'UTC')), PREVIEW_MAX),
    articles: stories,
    lead,
    stories: others,
    several: others.length > 0,
    contents: stories.slice(0, CONTENTS_MAX),
    more: stories.length > CONTENTS_MAX ? t.plural('digest.more', stories.length - CONTENTS_MAX) : null,
    t: {
      in_today: t.t('digest.in_today'),
      view_in_browser: t.t('digest.view_in_browser'),
      read_story: t.t('digest.read_story'),
      receiving: around(t, 'digest.receiving', 'email', { publication }),
      unsubscribe: t.t('digest.unsubscribe'),
      manage: t.t('digest.manage'),
    },
  };
}
