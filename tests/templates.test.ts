import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTemplate, TEMPLATES_DIR, templatesModule } from '../src/mail/mjml.ts';

// MJML runs at build time only (npm run build:templates); both runtimes import the generated module.
describe('templates compiled at build time', () => {
  it('the generated module is what the templates compile to now (a stale one fails here)', async () => {
    const committed = readFileSync(new URL('../src/mail/templates.generated.ts', import.meta.url), 'utf8');
    expect(await templatesModule(), 'src/mail/templates.generated.ts is stale: run npm run build:templates').toBe(committed);
  });

  it('a template MJML rejects, or one whose {{sections}} MJML would move, fails the build with its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gazette-templates-'));
    try {
      cpSync(TEMPLATES_DIR, dir, { recursive: true });
      await expect(compileTemplate('digest', dir)).resolves.toMatchObject({ html: expect.stringContaining('{{#stories}}') });
      const source = readFileSync(join(dir, 'digest.mjml'), 'utf8');
      writeFileSync(join(dir, 'digest.mjml'), source.replace(/<mj-raw>(\{\{[#/][a-z_]+\}\})<\/mj-raw>/g, '$1'));
      await expect(compileTemplate('digest', dir)).rejects.toThrow(/^templates\/digest\.mjml: MJML moved or dropped/);
      writeFileSync(join(dir, 'welcome.mjml'), '<mjml><mj-body><mj-section><mj-text>no column</mj-text></mj-section></mj-body></mjml>');
      await expect(compileTemplate('welcome', dir)).rejects.toThrow(/^templates\/welcome\.mjml: [\s\S]*mj-text cannot be used inside mj-section/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nothing the service loads at start imports MJML', () => {
    for (const file of ['../src/mail/templates.ts', '../src/editions/render.ts', '../src/runtime/node-deps.ts', '../src/app.ts']) {
      expect(readFileSync(new URL(file, import.meta.url), 'utf8'), file).not.toMatch(/from '(mjml|\.\.?\/[\w/.-]*mjml(\.ts)?)'/);
    }
  });
});
