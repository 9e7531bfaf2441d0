import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/config.ts';
import { CATALOGUES, translator } from '../src/i18n.ts';
import { publicationCopy } from '../src/mail/templates.generated.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('every language has every key, none empty, with the same {placeholders}', () => {
    const [first, ...others] = LANGUAGES;
    const reference = CATALOGUES[first];
    for (const language of others) {
      const catalogue = CATALOGUES[language];
      const base = (k: string) => k.replace(/_(zero|one|two|few|many|other)$/, '');
      // Plural variants differ by language; the plural keys themselves must exist everywhere.
      expect(new Set(Object.keys(catalogue).map(base)), language).toEqual(new Set(Object.keys(reference).map(base)));
      for (const [key, text] of Object.entries(catalogue)) {
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        if (reference[key] !== undefined) expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(reference[key]!));
      }
    }
  });

  it('every language has the publication copy a newcomer starts from', () => {
    for (const language of LANGUAGES) {
      const copy = (publicationCopy as Record<string, { description: string; benefits: readonly string[] }>)[language];
      expect(copy?.description, language).toBeTruthy();
      expect(copy?.benefits.length, language).toBeGreaterThan(1);
    }
  });

  it('formats prices, dates and plurals in the publication locale', () => {
    const de = translator({ language: 'de', locale: 'de-DE' });
    const en = translator({ language: 'en', locale: 'en-GB' });
    expect(de.price(499, 'eur')).toMatch(/^4,99\s€$/);
    expect(en.price(499, 'eur')).toBe('€4.99');
    expect(en.price(500, 'jpy')).toMatch(/^(JP)?¥500$/);
    expect(de.longDate(Date.parse('2026-11-27T12:00:00Z'), 'UTC')).toBe('Freitag, 27. November 2026');
    expect(en.longDate(Date.parse('2026-11-27T12:00:00Z'), 'UTC')).toBe('Friday, 27 November 2026');
    expect(en.plural('digest.stories', 1)).toBe('1 story');
    expect(en.plural('digest.stories', 1200)).toBe('1,200 stories');
    expect(() => en.t('no.such.key')).toThrow(/no text for "no.such.key"/);
  });
});
