import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import Mustache from 'mustache';
import { markSlots } from './slots.ts';
import type { CompiledTemplate } from './template.ts';

// Node only, at build time (npm run build:templates): MJML never runs in the service or in a Worker.

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** The templates the service sends, by the name their files share (NAME.mjml and NAME.txt). */
export const TEMPLATE_NAMES = ['digest', 'welcome', 'account-link'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * A template's Mustache structure: its sections, nested as written, and the names it shows. MJML
 * may repeat a value (the title goes to <title> and elsewhere) but must not move or drop a section.
 */
function mustacheShape(template: string): string {
  const names = new Set<string>();
  const walk = (tokens: unknown[]): string =>
    (tokens as [string, string, number, number, unknown[]?][])
      .map((t) => {
        if (t[0] === '#' || t[0] === '^') return `${t[0]}${t[1]}(${walk(t[4] ?? [])})`;
        if (t[0] === 'name' || t[0] === '&') names.add(t[1]);
        return '';
      })
      .join('');
  const sections = walk(Mustache.parse(template));
  return `${sections} ${[...names].sort().join(',')}`;
}

/**
 * One template compiled: MJML to HTML (strict validation, minified), the text part as written. Each
 * keeps its {{mustache}} tags (filled per edition, or per mail), and its [[slots]] are rewritten to
 * carry the marker drawn when those are filled (see slots.ts). Refuses a template MJML rejects or
 * whose tags MJML moved.
 */
export async function compileTemplate(name: TemplateName, dir = TEMPLATES_DIR): Promise<CompiledTemplate> {
  const [source, text] = await Promise.all([readFile(`${dir}/${name}.mjml`, 'utf8'), readFile(`${dir}/${name}.txt`, 'utf8')]);
  // sanitizeStyles (MJML 5; @types/mjml-core does not know it yet): {{values}} inside <style>, like
  // the dark scheme's accent colour, survive CSS minifying.
  const options = { validationLevel: 'strict', filePath: dir, minify: true, sanitizeStyles: true } as const;
  let html: string;
  try {
    html = (await mjml2html(source, options)).html;
  } catch (err) {
    throw new Error(`templates/${name}.mjml: ${(err as Error).message}`, { cause: err });
  }
  if (mustacheShape(source.replace(/<!--[\s\S]*?-->/g, '')) !== mustacheShape(html)) throw new Error(`templates/${name}.mjml: MJML moved or dropped {{tags}} (put a section tag that stands between components in <mj-raw>)`);
  return { html: markSlots(html, '{{{slot_marker}}}'), text: markSlots(text, '{{{slot_marker}}}') };
}

const readJson = async (file: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file.slice(file.indexOf('templates/'))}: ${(err as Error).message}`, { cause: err });
  }
};

/** Every language's messages, one flat key → text map per language (its files merged: site, mail). */
async function catalogues(dir: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const language of (await readdir(`${dir}/locales`)).sort()) {
    out[language] = {};
    for (const file of (await readdir(`${dir}/locales/${language}`)).filter((f) => f.endsWith('.json')).sort()) {
      Object.assign(out[language], await readJson(`${dir}/locales/${language}/${file}`));
    }
  }
  return out;
}

/** The publisher's own copy (description, benefits), one file per language. */
async function publicationCopy(dir: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const file of (await readdir(`${dir}/publication`)).filter((f) => f.endsWith('.json')).sort()) out[file.replace(/\.json$/, '')] = await readJson(`${dir}/publication/${file}`);
  return out;
}

/** The web pages: Mustache HTML sharing one layout, parsed here so a broken page fails the build. */
async function pages(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of (await readdir(`${dir}/pages`)).filter((f) => f.endsWith('.html')).sort()) {
    const source = await readFile(`${dir}/pages/${file}`, 'utf8');
    try {
      Mustache.parse(source);
    } catch (err) {
      throw new Error(`templates/pages/${file}: ${(err as Error).message}`, { cause: err });
    }
    out[file.replace(/\.html$/, '')] = source;
  }
  return out;
}

/** The generated module both runtimes import: every template compiled, catalogues and copy, as constants. */
export async function templatesModule(dir = TEMPLATES_DIR): Promise<string> {
  const compiled: Record<string, CompiledTemplate> = {};
  for (const name of TEMPLATE_NAMES) compiled[name] = await compileTemplate(name, dir);
  const constant = (name: string, value: unknown) => `export const ${name} = ${JSON.stringify(value, null, 2)} as const;\n`;
  return `// Generated by \`npm run build:templates\` from templates/. Do not edit: edit the templates and run
// the command again (npm start, npm test and wrangler do it too).
${constant('compiledTemplates', compiled)}
${constant('pageTemplates', await pages(dir))}
${constant('catalogues', await catalogues(dir))}
${constant('publicationCopy', await publicationCopy(dir))}`;
}
