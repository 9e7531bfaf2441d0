import { Hono } from 'hono';

/**
 * The console's only script (CSP: script-src 'self' on /admin pages): live counts on an edition's
 * page while it sends, read from the edition's JSON. Without it the page still shows the counts of
 * when it was loaded; a reload shows the new ones.
 */
const SCRIPT = `'use strict';
(() => {
  const box = document.getElementById('progress');
  if (!box || box.dataset.live !== 'on') return;
  const url = box.dataset.statusUrl;
  const skipped = Number(box.dataset.skipped || 0);
  const numbers = new Intl.NumberFormat('en-GB');
  const field = (name) => box.querySelector('[data-field="' + name + '"]');
  const bar = (name) => box.querySelector('[data-bar="' + name + '"]');
  const say = (text) => { field('state').textContent = text; };
  let unchanged = 0;
  let previous = '';
  const tick = async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) return say('Your session ended: reload the page to sign in again.');
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const d = await res.json();
      const sent = d.deliveries.sent;
      const failed = d.deliveries.failed;
      const total = sent + failed + d.remaining + skipped;
      field('sent').textContent = numbers.format(sent);
      field('failed').textContent = numbers.format(failed);
      field('remaining').textContent = numbers.format(d.remaining);
      field('rate').textContent = numbers.format(d.sent_last_minute);
      bar('sent').style.width = (total ? (sent / total) * 100 : 0) + '%';
      bar('failed').style.width = (total ? (failed / total) * 100 : 0) + '%';
      if (d.remaining === 0) {
        box.dataset.live = 'done';
        // "Send the rest now" has nothing left to send.
        for (const el of document.querySelectorAll('[data-while-sending]')) el.hidden = true;
        return say('Finished');
      }
      const now = [sent, failed, d.remaining].join('/');
      unchanged = now === previous ? unchanged + 1 : 0;
      previous = now;
      // Polls keep the session alive: a page left open on a stalled send stops after about ten minutes.
      if (unchanged >= 75) return say('Stopped following: nothing moved for ten minutes (what is left waits for the next run). Reload to follow again.');
      say(unchanged >= 15 ? 'Waiting: nothing moved for half a minute (what is left may wait for the next run)' : 'Sending…');
    } catch {
      say('Could not update the counts: trying again…');
    }
    setTimeout(tick, unchanged >= 15 ? 10000 : 2000);
  };
  setTimeout(tick, 1000);
})();
`;

export function scriptRoutes() {
  const app = new Hono();
  app.get('/admin/console.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }));
  return app;
}
