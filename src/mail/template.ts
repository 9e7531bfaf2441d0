import Mustache from 'mustache';
import { drawSlotMarker, slotPattern } from './slots.ts';

/**
 * A template already compiled from MJML: HTML and text with slots for per-reader values.
 * Filling is plain string work, so MJML runs once per template or edition, never once per reader.
 */
export interface CompiledTemplate {
  html: string;
  text: string;
  /** The marker its slots carry ([[MARKER:name]]); null for editions stored before markers, which use [[name]]. */
  slot_marker?: string | null;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * A compiled template's {{values}} filled (HTML-escaped in the HTML part, as they are in the text),
 * its [[slots]] left for each reader and marked with a marker drawn once the values are known, so
 * no value can form one (see slots.ts). The digest does this once per edition, the welcome and
 * account-link mails once per mail.
 */
export function renderTemplate(t: CompiledTemplate, view: object): CompiledTemplate & { slot_marker: string } {
  const slot_marker = drawSlotMarker(JSON.stringify(view));
  const marked = { ...view, slot_marker };
  return {
    html: Mustache.render(t.html, marked, {}, { escape: escapeHtml }),
    // An empty {{#section}} leaves its blank lines behind.
    text: Mustache.render(t.text, marked, {}, { escape: (v: string) => v }).replace(/\n{3,}/g, '\n\n'),
    slot_marker,
  };
}

/** Fills the slots; HTML values are escaped, an unknown slot is an error rather than a silent gap. */
export function fillTemplate(t: CompiledTemplate, values: Record<string, string>): { html: string; text: string } {
  const fill = (src: string, escape: (v: string) => string) =>
    src.replace(slotPattern(t.slot_marker), (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`template slot [[${name}]] has no value`);
      return escape(v);
    });
  return { html: fill(t.html, escapeHtml), text: fill(t.text, (v) => v) };
}

/**
 * Folds CR, LF and other control characters so a value can't start a new header line, and drops
 * bidirectional embeddings, overrides and isolates, which can make a subject display as something
 * else (U+202E then "fdp.exe" shows as "exe.pdf").
 */
export function headerSafe(value: string): string {
  return value.replace(/[\u202a-\u202e\u2066-\u2069]/g, '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
