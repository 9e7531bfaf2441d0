import { convert } from 'html-to-text';

/**
 * Folds control characters (CR, LF, NUL, …) to single spaces: nothing from outside can break a line
 * or a header. Bidirectional embeddings, overrides and isolates go entirely: they let a title display
 * as other text than it is (U+202E then "fdp.exe" shows as "exe.pdf").
 */
export function foldControl(value: string): string {
  return value
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Cuts at a word boundary and adds an ellipsis when the text is longer than max (never inside a surrogate pair). */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  // A high surrogate at the cut would leave half a character (an emoji) behind.
  if (/[\ud800-\udbff]/.test(value[end - 1] ?? '')) end--;
  const cut = value.slice(0, end);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

export const SUMMARY_MAX = 320;

/** More feed HTML than this is never read for a summary of a few hundred characters. */
export const SUMMARY_HTML_MAX = 64 * 1024;

/**
 * Feed HTML → clean plain text: no markup, no script or style, entities decoded, trimmed to a summary.
 * Bounded work whatever the HTML: the input is cut, deep nesting and huge child lists are not walked
 * (a stack overflow otherwise), and tables are read as text, never laid out (a rowspan of thousands
 * made the layout take seconds and hundreds of MB).
 */
export function htmlToSummary(html: string, max = SUMMARY_MAX): string {
  const text = convert(html.length > SUMMARY_HTML_MAX ? html.slice(0, SUMMARY_HTML_MAX) : html, {
    wordwrap: false,
    limits: { maxDepth: 32, maxChildNodes: 400, maxBaseElements: 400, ellipsis: ' …' },
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'iframe', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'inlineSurround', options: { prefix: ' ', suffix: ' ' } },
      { selector: 'th', format: 'inlineSurround', options: { prefix: ' ', suffix: ' ' } },
      { selector: 'ul', options: { itemPrefix: ' ' } },
    ],
  });
  return truncate(foldControl(text), max);
}
