import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const toml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');

describe('wrangler.toml', () => {
  it('its Cron Triggers are the defaults of FEED_POLL_CRON and DIGEST_CRON: one source of truth', () => {
    const crons = JSON.parse(/^crons\s*=\s*(\[.*\])\s*$/m.exec(toml)![1]!) as string[];
    const defaults = loadConfig({});
    expect(crons.sort()).toEqual([defaults.feedPollCron, defaults.digestCron].sort());
    // Cloudflare numbers weekdays from 1 (Sunday), croner from 0: a numeric weekday would mean different days.
    for (const cron of crons) expect(cron.split(' ')[4]).not.toMatch(/\d/);
  });

  it('binds D1 as DB with the shared migrations, the deliveries queue with a dead-letter queue, and builds the templates first', () => {
    expect(toml).toMatch(/\[\[d1_databases\]\]\s+binding = "DB"[\s\S]*?migrations_dir = "migrations"/);
    expect(toml).toMatch(/\[\[queues\.producers\]\]\s+binding = "DELIVERIES"\s+queue = "gazette-deliveries"/);
    expect(toml).toMatch(/\[\[queues\.consumers\]\]\s+queue = "gazette-deliveries"[\s\S]*?dead_letter_queue = "gazette-deliveries-dlq"/);
    expect(toml).toMatch(/\[build\]\s+command = "npm run build:templates --silent"/);
    expect(toml).toMatch(/^main = "src\/worker\.ts"$/m);
  });

  it('its [vars] pass the same configuration schema as Node', () => {
    const vars = Object.fromEntries([...toml.split('[vars]')[1]!.split(/^\[/m)[0]!.matchAll(/^([A-Z_]+) = "(.*)"$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(vars).length).toBeGreaterThan(0);
    expect(() => loadConfig(vars)).not.toThrow();
  });
});
