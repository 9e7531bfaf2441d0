/**
 * The top-level structure of a multipart message, read the way a MIME parser reads it: the boundary
 * from the Content-Type header, then every line that is exactly a delimiter. Independent of the code
 * under test, so a content line that forms a delimiter shows up as an extra part.
 */
export function multipartStructure(raw: string): { headers: string; parts: { headers: string; body: string }[]; delimiterLines: string[] } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const unfolded = headers.replace(/\r\n(?=[ \t])/g, '');
  const boundary = /^Content-Type:\s*multipart\/[a-z]+;.*boundary="?([^";\r\n]+)"?/im.exec(unfolded)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const lines = raw.slice(split + 4).split('\r\n');
  const parts: { headers: string; body: string }[] = [];
  const delimiterLines: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    // RFC 2046: a delimiter line may carry trailing whitespace ("transport padding").
    const trimmed = line.replace(/[ \t]+$/, '');
    if (trimmed === `--${boundary}` || trimmed === `--${boundary}--`) {
      delimiterLines.push(trimmed);
      if (current) parts.push(splitPart(current.join('\r\n')));
      if (trimmed === `--${boundary}--`) break;
      current = [];
      continue;
    }
    current?.push(line);
  }
  return { headers: unfolded, parts, delimiterLines };
}

function splitPart(text: string): { headers: string; body: string } {
  const at = text.indexOf('\r\n\r\n');
  return at < 0 ? { headers: text, body: '' } : { headers: text.slice(0, at), body: text.slice(at + 4) };
}
