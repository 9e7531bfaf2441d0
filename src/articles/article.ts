import { z } from 'zod';
import type { ArticlesTable } from '../db/schema.ts';
import { foldControl, truncate, SUMMARY_MAX } from './text.ts';

/**
 * An article as the rest of Gazette sees it: plain text fields, absolute http(s) URLs, epoch ms.
 * `lead` comes from the API only: a feed item has none, and leaves what the CMS said as it is.
 */
export type ArticleInput = Omit<ArticlesTable, 'id' | 'source' | 'created_at' | 'updated_at' | 'lead'> & { lead?: boolean };

const text = (max: number) => z.string().transform((v) => truncate(foldControl(v), max));
const optionalText = (max: number) =>
  z
    .string()
    .nullish()
    .transform((v) => (v == null ? null : truncate(foldControl(v), max) || null));
// Only http(s): a javascript: or data: link from a CMS must never reach a reader's mail.
const webUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2048);

/** What POST /admin/articles accepts for one article. */
export const articleSchema = z
  .object({
    guid: text(512).pipe(z.string().min(1)).optional(),
    url: webUrl,
    title: text(300).pipe(z.string().min(1, { error: 'must not be empty' })),
    summary: optionalText(SUMMARY_MAX),
    image_url: webUrl.nullish(),
    author: optionalText(120),
    section: optionalText(80),
    published_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
    lead: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

export function articleFromApi(parsed: z.output<typeof articleSchema>, now: number): ArticleInput {
  return {
    guid: parsed.guid ?? parsed.url,
    url: parsed.url,
    title: parsed.title,
    summary: parsed.summary,
    image_url: parsed.image_url ?? null,
    author: parsed.author,
    section: parsed.section,
    published_at: parsed.published_at ? Date.parse(parsed.published_at) : now,
    // The CMS sends the whole article: no "lead" means not the lead (it may have been before).
    lead: parsed.lead ?? false,
  };
}
