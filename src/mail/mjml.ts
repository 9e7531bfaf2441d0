import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import type { CompiledTemplate } from './template.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * Compiles templates/NAME.mjml once (and NAME.txt for the text part). Slots like {{billing_url}}
 * pass through MJML untouched and are filled per message by fillTemplate.
 */
export async function compileTemplate(name: string, dir = TEMPLATES_DIR): Promise<CompiledTemplate> {
  const [source, text] = await Promise.all([readFile(`${dir}/${name}.mjml`, 'utf8'), readFile(`${dir}/${name}.txt`, 'utf8')]);
  const result = await mjml2html(source, { validationLevel: 'strict', filePath: dir });
  return { html: result.html, text };
}
