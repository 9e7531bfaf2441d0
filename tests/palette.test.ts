import { describe, expect, it } from 'vitest';
import { contrast, DARK_BACKGROUND, LIGHT_BACKGROUND, mailColours } from '../src/mail/palette.ts';
import { compiledTemplates } from '../src/mail/templates.generated.ts';

describe('mail colours from PUBLICATION_ACCENT', () => {
  it.each(['#a4321e', '#ffd21f', '#ffffff', '#000000', '#777777', '#0000ff', '#00ff00', '#1d1c1a', '#f4f1ea', '#262421'])('%s: labels and links readable (4.5:1) in both schemes, button text too', (accent) => {
    const c = mailColours(accent);
    expect(contrast(c.accent, LIGHT_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c.accent, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c.accent_dark, DARK_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c.accent_dark, '#1d1c1a')).toBeGreaterThanOrEqual(4.5);
    expect(c.button).toBe(accent);
    expect(contrast(c.button_text, c.button)).toBeGreaterThanOrEqual(4.5);
  });

  it('an accent that reads already is used as it is; one that does not keeps its hue, darkened or lightened', () => {
    expect(mailColours('#A4321E').accent).toBe('#a4321e');
    const yellow = mailColours('#ffd21f');
    expect(yellow.accent_dark).toBe('#ffd21f');
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(yellow.accent.slice(i, i + 2), 16));
    expect(r).toBeGreaterThan(b!);
    expect(g).toBeGreaterThan(b!);
    expect(mailColours('#a4321e').accent_dark).not.toBe('#a4321e');
  });

  it('the templates use the backgrounds the accent is made readable on', () => {
    for (const name of ['digest', 'welcome', 'account-link'] as const) expect(compiledTemplates[name].html, name).toContain(LIGHT_BACKGROUND);
    expect(compiledTemplates.digest.html).toContain(DARK_BACKGROUND);
  });
});
