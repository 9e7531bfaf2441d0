/**
 * How the console writes numbers, money and times: English (the console's language), times in
 * DIGEST_TIMEZONE (the publication's day), amounts in their own currency.
 */
export interface Formats {
  count(n: number): string;
  /** An amount in the currency's minor unit (cents), e.g. 1234 eur → €12.34. */
  money(minor: number, currency: string): string;
  dateTime(ms: number | null): string;
  date(ms: number | null): string;
  /** An edition's name (YYYY-MM-DD) as a day: Fri 27 Nov 2026. */
  day(date: string): string;
}

export function formats(timezone: string): Formats {
  const counts = new Intl.NumberFormat('en-GB');
  const dateTimes = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const dates = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short', year: 'numeric' });
  const days = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  const money = new Map<string, Intl.NumberFormat>();
  return {
    count: (n) => counts.format(n),
    money(minor, currency) {
      const code = currency.toUpperCase();
      let f = money.get(code);
      if (!f) {
        try {
          f = new Intl.NumberFormat('en-GB', { style: 'currency', currency: code });
        } catch {
          // A code Intl does not know: the amount with the code, two decimals as most currencies have.
          f = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
          money.set(code, f);
          return `${f.format(minor / 100)} ${code}`;
        }
        money.set(code, f);
      }
      const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
      return f.format(minor / 10 ** digits);
    },
    dateTime: (ms) => (ms === null ? '—' : dateTimes.format(new Date(ms))),
    date: (ms) => (ms === null ? '—' : dates.format(new Date(ms))),
    day: (date) => days.format(new Date(`${date}T12:00:00Z`)),
  };
}
