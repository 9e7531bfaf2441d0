import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

// What a reader sees, measured in Debian's headless Chromium (installed by .ci/run). Screenshots land
// in .tmp/screens for a person to look at.
export const SCREENS = new URL('../../.tmp/screens/', import.meta.url).pathname;

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENS, { recursive: true });
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Legibility {
  /** The page's width in CSS px; more than the viewport means sideways scrolling. */
  scrollWidth: number;
  /** The smallest font size of any visible element that holds text itself. */
  smallestFont: number;
  /** The lowest contrast ratio (WCAG) of visible text against the background behind it, and where. */
  lowestContrast: { ratio: number; text: string; color: string; background: string };
  /** Visible text of the page. */
  text: string;
}

/**
 * Reads the page as a reader sees it: sideways scroll, the smallest text, and the contrast of every
 * visible text against the first opaque background behind it (computed colours, dark mode included).
 * MJML's hidden preheader and its font-size:0 wrappers are not text a reader sees, so they don't count.
 */
export async function legibility(page: Page): Promise<Legibility> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const [r, g, b, a = '1'] = m[1]!.split(/[ ,/]+/).filter(Boolean);
      return [Number(r), Number(g), Number(b), Number(a)];
    };
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    const backgroundOf = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0.5) return bg;
      }
      // Nothing painted: the canvas, which follows the color scheme the page asked for.
      return matchMedia('(prefers-color-scheme: dark)').matches && getComputedStyle(document.documentElement).colorScheme.includes('dark') ? [18, 18, 18, 1] : [255, 255, 255, 1];
    };
    const visible = (e: Element) => {
      const box = (e as HTMLElement).getBoundingClientRect();
      const style = getComputedStyle(e);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.opacity !== '0' && parseFloat(style.fontSize) > 1;
    };
    const holders = [...document.body.querySelectorAll('*')].filter(
      (e) => !['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(e.tagName) && [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '') && visible(e),
    );
    let lowest = { ratio: 99, text: '', color: '', background: '' };
    for (const e of holders) {
      const fg = parse(getComputedStyle(e).color);
      const bg = backgroundOf(e);
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1! + 0.05) / (l2! + 0.05);
      if (ratio < lowest.ratio) lowest = { ratio: Math.round(ratio * 100) / 100, text: (e as HTMLElement).innerText.trim().slice(0, 60), color: getComputedStyle(e).color, background: `rgb(${bg.slice(0, 3).join(', ')})` };
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      smallestFont: Math.min(...holders.map((e) => parseFloat(getComputedStyle(e).fontSize))),
      lowestContrast: lowest,
      text: document.body.innerText,
    };
  });
}

export type Scheme = 'light' | 'dark';

/** A page at a width and colour scheme, with the network closed (images from CDNs are not fetched). */
export async function openPage(browser: Browser, width: number, scheme: Scheme): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
  return page;
}

export interface Box {
  text: string;
  fontSize: number;
  left: number;
  top: number;
  width: number;
  height: number;
  /** Laid out, not hidden, not transparent, and within the page's width. */
  visible: boolean;
}

/** Every element matching `selector` as laid out on the reader's screen: a headline a reader can't see shows here. */
export async function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.$$eval(selector, (elements) =>
    elements.map((e) => {
      const r = e.getBoundingClientRect();
      const style = getComputedStyle(e);
      const visible = r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.opacity !== '0' && r.left >= 0 && r.right <= document.documentElement.clientWidth + 0.5;
      return { text: (e as HTMLElement).innerText.trim(), fontSize: parseFloat(style.fontSize), left: r.left, top: r.top + scrollY, width: r.width, height: r.height, visible };
    }),
  );
}

/** A plain picture of the size asked for: a screenshot shows the layout a reader gets, with no network. */
function placeholder(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#9fb3c4"/><stop offset="1" stop-color="#5d7286"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><path d="M0 ${height} L${width * 0.35} ${height * 0.45} L${width * 0.55} ${height * 0.7} L${width * 0.75} ${height * 0.35} L${width} ${height} Z" fill="#3f5163" opacity="0.6"/></svg>`;
}

/**
 * Closes the page's network (the tests have none) but answers image requests with a placeholder of
 * the size the markup declares for that URL (`sizes`), once `release()` is called: until then every
 * image is still loading, so a test can see whether the layout moves when they arrive.
 */
export async function holdImages(page: Page, sizes: Map<string, { width: number; height: number }>): Promise<{ release(): void }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route('**/*', async (route) => {
    const size = sizes.get(route.request().url());
    if (route.request().url().startsWith('data:')) return route.continue();
    if (!size) return route.abort();
    await released;
    await route.fulfill({ status: 200, contentType: 'image/svg+xml', body: placeholder(size.width, size.height) });
  });
  return { release };
}

/** The images an HTML page declares, with the size its markup gives them (for holdImages). */
export function declaredImages(html: string) {
  const sizes = new Map<string, { width: number; height: number }>();
  for (const [tag] of html.matchAll(/<img [^>]*>/g)) {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    // A logo declares its height only: a wordmark five times as wide.
    const height = Number(attr('height'));
    sizes.set(attr('src')!.replace(/&amp;/g, '&'), { width: Number(attr('width') ?? height * 5), height });
  }
  return sizes;
}
