import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import Mustache from 'mustache';
import { editionView, type EditionRenderer } from '../editions/render.ts';
import { drawSlotMarker, markSlots } from './slots.ts';
import { escapeHtml, type CompiledTemplate } from './template.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * Compiles templates/NAME.mjml once (and NAME.txt for the text part). Slots like [[billing_url]]
 * pass through MJML untouched and are filled per message by fillTemplate. Only for templates that
 * hold no outside text (welcome mail): the digest, which holds articles, marks its slots per edition.
 */
export async function compileTemplate(name: string, dir = TEMPLATES_DIR): Promise<CompiledTemplate> {
  const [source, text] = await Promise.all([readFile(`${dir}/${name}.mjml`, 'utf8'), readFile(`${dir}/${name}.txt`, 'utf8')]);
  const result = await mjml2html(source, { validationLevel: 'strict', filePath: dir });
  return { html: result.html, text };
}

/**
 * The digest renderer: Mustache fills the edition's articles into the MJML, then MJML runs once.
 * The template's [[slots]] become [[MARKER:slot]] with a marker drawn for each edition after its
 * articles are known, so no article text can form a slot (see slots.ts).
 */
export async function compileDigestRenderer(dir = TEMPLATES_DIR): Promise<EditionRenderer> {
  const [mjmlFile, textFile] = await Promise.all([readFile(`${dir}/digest.mjml`, 'utf8'), readFile(`${dir}/digest.txt`, 'utf8')]);
  // The marker goes in as a Mustache value: the templates stay the same string for every edition, so
  // Mustache parses (and caches) each once.
  const source = markSlots(mjmlFile, '{{{slot_marker}}}');
  const text = markSlots(textFile, '{{{slot_marker}}}');
  Mustache.parse(source);
  Mustache.parse(text);
  const render: EditionRenderer = async (view) => {
    const slot_marker = drawSlotMarker(JSON.stringify(view));
    const marked = { ...view, slot_marker };
    const mjml = Mustache.render(source, marked, {}, { escape: escapeHtml });
    const result = await mjml2html(mjml, { validationLevel: 'strict', filePath: dir, minify: true });
    return { html: result.html, text: Mustache.render(text, marked, {}, { escape: (v: string) => v }).replace(/\n{3,}/g, '\n\n'), slot_marker };
  };
  // One trial edition now: a template MJML rejects stops the service at start-up, not at 07:00, and the
  // first real edition does not pay for loading MJML's minifier while readers wait.
  await render(SAMPLE_VIEW);
  return render;
}

const SAMPLE_VIEW = editionView({
  publication: 'Gazette',
  date: '2000-01-01',
  timezone: 'UTC',
  publisherAddress: '1 Sample Street',
  articles: [{ url: 'https://example.com/a', title: 'Sample', summary: 'Sample summary.', image_url: 'https://example.com/a.jpg', author: 'Sample', section: 'Sample' }],
});
