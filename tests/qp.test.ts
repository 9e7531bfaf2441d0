import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { encodeQuotedPrintable } from '../src/mail/qp.ts';

/** What a mail client reads from a text/plain part carrying `encoded` (mailparser: line breaks as LF). */
async function decode(encoded: string): Promise<string> {
  const parsed = await simpleParser(Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${encoded}`));
  return parsed.text ?? '';
}

const lines = (encoded: string) => encoded.split('\r\n');

describe('quoted-printable', () => {
  it('RFC 2045 §6.7: "=" and non-ASCII bytes as =XX, printable ASCII as is, line breaks as CRLF', () => {
    expect(encodeQuotedPrintable('a=b', false)).toBe('a=3Db');
    expect(encodeQuotedPrintable('café', false)).toBe('caf=C3=A9');
    expect(encodeQuotedPrintable("<p style=\"font-family:'Times New Roman'\">", false)).toBe("<p style=3D\"font-family:'Times New Roman'\">");
    expect(encodeQuotedPrintable('one\ntwo\r\nthree', false)).toBe('one\r\ntwo\r\nthree');
    expect(encodeQuotedPrintable('lone\rcr\u0000', false)).toBe('lone=0Dcr=00');
  });

  it('encodes whitespace a decoder would strip: before a line break and at the end', () => {
    expect(encodeQuotedPrintable('end \nnext\t', false)).toBe('end=20\r\nnext=09');
    expect(encodeQuotedPrintable('a  b', false)).toBe('a  b');
    // Joinable: the run ends with a soft break, so its last space is no longer at the end of a line.
    expect(encodeQuotedPrintable('end ', true)).toBe('end =\r\n');
    expect(encodeQuotedPrintable('line\n', true)).toBe('line\r\n');
    expect(encodeQuotedPrintable('', true)).toBe('');
  });

  it('soft-breaks lines at 76 characters, never inside an =XX escape', () => {
    const encoded = encodeQuotedPrintable(`${'x'.repeat(74)}é${'y'.repeat(200)}`, false);
    for (const line of lines(encoded)) expect(line.length).toBeLessThanOrEqual(76);
    expect(lines(encoded)[0]).toBe(`${'x'.repeat(74)}=`);
    expect(lines(encoded)[1]).toMatch(/^=C3=A9y+=$/);
  });

  it('a joinable run of plain ASCII (an address, a signed link) is itself, cut into soft-broken lines', async () => {
    const link = `https://news.example.com/unsubscribe/${'eyJwIjoidW5zdWJzY3JpYmUi'.repeat(5)}.sig_-`;
    const encoded = encodeQuotedPrintable(link, true);
    expect(encoded).toBe(`${link.slice(0, 75)}=\r\n${link.slice(75, 150)}=\r\n${link.slice(150)}=\r\n`);
    expect(encodeQuotedPrintable('r@example.com', true)).toBe('r@example.com=\r\n');
    expect(await decode(`Link: =\r\n${encoded}done`)).toBe(`Link: ${link}done`);
  });

  it('decodes to the exact text, alone or as joined runs, whatever it holds', async () => {
    const samples = [
      "Georgia, 'Times New Roman', serif — \"quoted\" = =3D ==\t tab ",
      `${'long'.repeat(40)} 日本語の見出し 🙂 naïve ${'é'.repeat(60)}`,
      'ends with spaces   ',
      `line one  \nline two\t\n\nafter a blank line ${'='.repeat(80)}`,
      '--=_boundary-looking-- line\n.\n.dot',
    ];
    for (const s of samples) {
      const whole = encodeQuotedPrintable(s, false);
      for (const line of lines(whole)) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        expect(line).not.toMatch(/[ \t]$/);
      }
      expect(await decode(whole)).toBe(s);
      // Cut anywhere and encoded as runs (the per-reader holes): the decoded text is the same.
      const chars = [...s];
      const cut = Math.floor(chars.length / 3);
      const run = (from: number, to: number, joinable: boolean) => encodeQuotedPrintable(chars.slice(from, to).join(''), joinable);
      const joined = run(0, cut, true) + run(cut, 2 * cut, true) + run(2 * cut, chars.length, false);
      for (const line of lines(joined)) expect(line.length).toBeLessThanOrEqual(76);
      expect(await decode(joined)).toBe(s);
    }
  });
});
