/**
 * Slots: the places in a rendered template where each reader's own values go ([[email]],
 * [[unsubscribe_url]], …). Templates are written with plain [[name]] slots. An edition carries
 * article text, which may say "[[billing_url]]" too, so its slots are rewritten before any content
 * goes in to carry a marker drawn for that edition, [[MARKER:name]]: text cannot form a slot without
 * knowing the marker, and the marker is drawn after the text is known, never one the text contains.
 */

/** A template body cut at its slots: literal text and the names of the values that go between. */
export type Slotted = (string | { slot: string })[];

const PLAIN_SLOT = /\[\[([a-z_]+)\]\]/g;

/** Rewrites a template's own [[name]] slots to carry `marker`; done to trusted template text only. */
export function markSlots(template: string, marker: string): string {
  return template.replace(PLAIN_SLOT, (_, name: string) => `[[${marker}:${name}]]`);
}

/** The slots of a text rendered with `marker`; without one (an edition stored before markers), the plain [[name]] form. */
export function slotPattern(marker: string | null | undefined): RegExp {
  return marker ? new RegExp(`\\[\\[${marker}:([a-z_]+)\\]\\]`, 'g') : new RegExp(PLAIN_SLOT.source, 'g');
}

export function splitSlots(text: string, marker: string | null | undefined): Slotted {
  const out: Slotted = [];
  let last = 0;
  for (const m of text.matchAll(slotPattern(marker))) {
    out.push(text.slice(last, m.index), { slot: m[1]! });
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

/**
 * A marker for one edition: 96 random bits as hex (they pass through Mustache, MJML and URL
 * attributes unchanged), drawn again in the astronomically unlikely case the content holds it.
 */
export function drawSlotMarker(content: string, random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  for (;;) {
    const marker = [...random(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (!content.includes(marker)) return marker;
  }
}
