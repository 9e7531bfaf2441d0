import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import Mustache from 'mustache';
import type { EditionRenderer } from '../editions/render.ts';
import { wrapHtmlLines } from './mime.ts';
import { escapeHtml, type CompiledTemplate } from './template.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * Compiles templates/NAME.mjml once (and NAME.txt for the text part). Slots like [[billing_url]]
 * pass through MJML untouched and are filled per message by fillTemplate.
 */
export async function compileTemplate(name: string, dir = TEMPLATES_DIR): Promise<CompiledTemplate> {
  const [source, text] = await Promise.all([readFile(`${dir}/${name}.mjml`, 'utf8'), readFile(`${dir}/${name}.txt`, 'utf8')]);
  const result = await mjml2html(source, { validationLevel: 'strict', filePath: dir });
  return { html: result.html, text };
}

/** The digest renderer: Mustache fills the edition's articles into the MJML, then MJML runs once. */
export async function compileDigestRenderer(dir = TEMPLATES_DIR): Promise<EditionRenderer> {
  const [source, text] = await Promise.all([readFile(`${dir}/digest.mjml`, 'utf8'), readFile(`${dir}/digest.txt`, 'utf8')]);
  Mustache.parse(source);
  Mustache.parse(text);
  return async (view) => {
    const mjml = Mustache.render(source, view, {}, { escape: escapeHtml });
    const result = await mjml2html(mjml, { validationLevel: 'strict', filePath: dir, minify: true });
    return { html: wrapHtmlLines(result.html), text: Mustache.render(text, view, {}, { escape: (v: string) => v }).replace(/\n{3,}/g, '\n\n') };
  };
}
