import { upsertArticles } from '../../src/articles/store.ts';
import { freezeEdition } from '../../src/editions/edition.ts';
import type { Harness } from './harness.ts';

/** Headlines of the kind a city paper runs, so pages are judged on realistic lengths. */
const STORIES = [
  { section: 'City', title: 'Council agrees harbour budget after a night of debate over ferries and tolls', author: 'Maria Keller' },
  { section: 'Politics', title: 'Mayor promises a tram line to the eastern districts by 2030', author: "Tom O'Neill" },
  { section: 'Business', title: 'Fish market traders fear rent rises as the old hall is sold', author: 'Aylin Demir' },
  { section: 'Culture', title: 'The opera reopens with a sold-out Carmen after three years of repairs', author: 'Jonas Berg' },
  { section: 'Sport', title: 'Harbour FC beat the league leaders in the last minute', author: 'Sam Okafor' },
  { section: 'Science', title: 'Why the river is warmer this winter, and what it means for the fish', author: 'Lena Vogt' },
  { section: 'Opinion', title: 'Our city needs fewer car parks and more benches', author: 'Editorial board' },
  { section: 'City', title: 'Night buses return to the old town from Monday', author: null },
];

/** One published article as the admin API would store it: section, author, summary, a URL of its own. */
type StoryText = Partial<(typeof STORIES)[number] & { summary: string }>;

export function story(day: number, i: number, publishedAt: number, overrides: StoryText = {}) {
  const base = { ...STORIES[i % STORIES.length]!, ...overrides };
  return {
    guid: `urn:story:${day}:${i}`,
    url: `https://news.example.com/${day}/story-${i}`,
    title: base.title,
    summary: overrides.summary ?? `What happened, who said what, and what comes next: ${base.title.toLowerCase()}.`,
    image_url: null,
    author: base.author,
    section: base.section,
    published_at: publishedAt,
  };
}

/**
 * Freezes one edition a day for `days` days ending with the harness clock's day, `perDay` stories
 * each (day 0 is the oldest), and leaves the clock where it was. Returns the dates, oldest first.
 */
export async function publishEditions(h: Harness, days: number, perDay = 5, titles?: (day: number, i: number) => StoryText): Promise<string[]> {
  const end = h.clock.now();
  const dates: string[] = [];
  for (let day = 0; day < days; day++) {
    const at = end - (days - 1 - day) * 24 * 3600_000;
    h.clock.set(at);
    const items = Array.from({ length: perDay }, (_, i) => story(day, i, at - (i + 1) * 60_000, titles?.(day, i)));
    await upsertArticles(h.deps, items, 'api', at);
    const date = new Date(at).toISOString().slice(0, 10);
    await freezeEdition(h.deps, date);
    dates.push(date);
  }
  h.clock.set(end);
  return dates;
}
