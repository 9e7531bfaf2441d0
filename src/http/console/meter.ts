import type { DeliveryCounts } from '../../editions/ledger.ts';

/** The widths of an edition's progress bar: sent and failed, as percentages of every delivery. */
export function meterOf(d: DeliveryCounts): { sent_pct: number; failed_pct: number } {
  const total = d.sent + d.failed + d.pending + d.sending + d.skipped;
  const pct = (n: number) => (total ? Math.round((n / total) * 1000) / 10 : 0);
  return { sent_pct: pct(d.sent), failed_pct: pct(d.failed) };
}
