/**
 * The colours of every mail. The neutrals are fixed in the templates (light: the paper page, the white
 * card, the tinted contents box; dark: their `prefers-color-scheme: dark` overrides) and each keeps
 * 4.5:1 with its text. The publication's accent (PUBLICATION_ACCENT, any #rrggbb) is only known at run
 * time, so it is made readable here against the background of each scheme it contrasts least with:
 * as it is if it can be, else darkened for the light scheme and lightened for the dark one.
 */

/** The darkest background of the light scheme (the page) and the lightest of the dark one (the contents box). */
export const LIGHT_BACKGROUND = '#f4f1ea';
export const DARK_BACKGROUND = '#262421';

/** WCAG asks 4.5:1 for body text; a little more, so rounding in a client never takes it under. */
const READABLE = 4.6;

export interface MailColours {
  /** Labels and links in the light scheme: the accent, darkened if it is too light to read there. */
  accent: string;
  /** The same in the dark scheme: lightened if it is too dark to read there. */
  accent_dark: string;
  /** A button: the accent as configured, its text black or white, whichever contrasts more. */
  button: string;
  button_text: string;
}

type Rgb = [number, number, number];

const parse = (hex: string): Rgb => {
  const n = parseInt(hex.slice(1), 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
};

const hex = (rgb: Rgb) => `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** Relative luminance (WCAG 2). */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(parse(a)), luminance(parse(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * `colour` if it reads on `background`, else the first step towards black (on a light background)
 * or white (on a dark one) that does: the same hue, as little changed as it can be.
 */
export function readableOn(colour: string, background: string): string {
  const towards: Rgb = luminance(parse(background)) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  const from = parse(colour);
  for (let step = 0; step <= 50; step++) {
    const mixed = hex(from.map((v, i) => v + ((towards[i]! - v) * step) / 50) as Rgb);
    if (contrast(mixed, background) >= READABLE) return mixed;
  }
  return hex(towards);
}

export function mailColours(accent: string): MailColours {
  const accentHex = accent.toLowerCase();
  return {
    accent: readableOn(accentHex, LIGHT_BACKGROUND),
    accent_dark: readableOn(accentHex, DARK_BACKGROUND),
    button: accentHex,
    button_text: contrast(accentHex, '#ffffff') >= contrast(accentHex, '#000000') ? '#ffffff' : '#000000',
  };
}
