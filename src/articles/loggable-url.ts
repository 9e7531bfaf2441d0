/**
 * A URL as logs may hold it: origin and path only. Query strings and user:password@ can carry
 * tokens (private feeds are often `…/feed.xml?key=…`), and logs hold no secrets.
 */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
