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

/** Cuts at a word boundary and adds an ellipsis when the text is longer than max. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

export const SUMMARY_MAX = 320;

/** Feed HTML → clean plain text: no markup, no script or style, entities decoded, trimmed to a summary. */
export function htmlToSummary(html: string, max = SUMMARY_MAX): string {
  const text = convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'iframe', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable' },
      { selector: 'ul', options: { itemPrefix: ' ' } },
    ],
  });
  return truncate(foldControl(text), max);
}
