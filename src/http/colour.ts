/**
 * WCAG contrast for the publisher's accent colour: text drawn on it (buttons, the favicon's initial)
 * is black or white, whichever contrasts more. For any #rrggbb the better of the two reaches at
 * least 4.58:1, so the publisher cannot pick an accent that makes its own buttons unreadable.
 */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** #000000 or #ffffff, whichever reads better on `background` (#rrggbb). */
export function textOn(background: string): '#000000' | '#ffffff' {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff') ? '#000000' : '#ffffff';
}
