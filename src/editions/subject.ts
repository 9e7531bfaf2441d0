import { truncate } from '../articles/text.ts';
import { headerSafe } from '../mail/template.ts';

/** RFC 5322's line length, and about what a phone shows of a subject: longer is cut. */
export const SUBJECT_MAX = 78;
/** However long the rest of a DIGEST_SUBJECT pattern, the lead keeps this much. */
const LEAD_MIN = 24;

const PLACEHOLDER = /\{\{\s*(lead|date|publication|count)\s*\}\}/g;

export interface SubjectValues {
  lead: string;
  date: string;
  publication: string;
  count: string;
}

/**
 * The digest's subject: the lead headline (the publication is the sender's name already), or the
 * operator's DIGEST_SUBJECT pattern filled. One line, at most SUBJECT_MAX characters, the lead cut
 * on a word with "…" to leave room for the rest. The pattern is filled in one pass, so a headline
 * that says "{{date}}" stays as it is.
 */
export function digestSubject(pattern: string | undefined, values: SubjectValues): string {
  const form = pattern ?? '{{lead}}';
  const fill = (lead: string) => headerSafe(form.replace(PLACEHOLDER, (_, name: keyof SubjectValues) => (name === 'lead' ? lead : values[name])));
  const leads = [...form.matchAll(PLACEHOLDER)].filter((m) => m[1] === 'lead').length || 1;
  const room = Math.max(LEAD_MIN, Math.floor((SUBJECT_MAX - fill('').length) / leads));
  return truncate(fill(truncate(headerSafe(values.lead), room)), SUBJECT_MAX);
}
