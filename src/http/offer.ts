import type { Deps } from '../deps.ts';
import { offerReader, type Offer } from '../billing/offer.ts';
import { editionDate } from '../editions/dates.ts';
import { latestEdition } from '../editions/archive.ts';
import { renderPage, siteOf, type Site } from './pages.ts';

const INTERVALS = new Set(['day', 'week', 'month', 'year']);
/** Headlines of the latest edition shown as a sample: enough to judge, not the digest itself. */
const SAMPLE_HEADLINES = 6;

/** The price block: amount, period, and the Checkout options a reader should know before paying. */
function priceView(site: Site, offer: Offer, stripe: NonNullable<Deps['config']['stripe']>) {
  const { t } = site;
  const price = t.price(offer.unitAmount, offer.currency);
  const interval = INTERVALS.has(offer.interval) ? t.plural(`site.interval.${offer.interval}`, offer.intervalCount) : '';
  const tax = !stripe.automaticTax
    ? null
    : offer.taxBehavior === 'inclusive'
      ? t.t('site.offer.tax_inclusive')
      : offer.taxBehavior === 'exclusive'
        ? t.t('site.offer.tax_exclusive')
        : t.t('site.offer.tax_at_checkout');
  return {
    plan: offer.planName,
    price,
    interval,
    trial: stripe.trialDays ? t.plural('site.offer.trial', stripe.trialDays, { price, interval }) : null,
    tax,
    promo: stripe.allowPromotionCodes ? t.t('site.offer.promo') : null,
  };
}

/**
 * The front page: masthead, what one buys, the price from Stripe, the form, and a sample of the
 * digest from the archive. Stripe or the archive failing leaves the rest of the page standing.
 */
export function offerPage(deps: Deps) {
  const site = siteOf(deps.config);
  const readOffer = offerReader(deps);

  async function offer() {
    if (!readOffer || !deps.config.stripe) return { offer: null, notice: site.t.t('site.offer.not_open') };
    try {
      return { offer: priceView(site, await readOffer(), deps.config.stripe), notice: null };
    } catch (err) {
      deps.log.warn('could not read the Stripe price for the offer page', { error: (err as Error).message });
      return { offer: null, notice: site.t.t('site.offer.unavailable') };
    }
  }

  async function sample() {
    try {
      const today = editionDate(deps.clock.now(), deps.config.digestTimezone);
      const latest = await latestEdition(deps.db, { today, articles: SAMPLE_HEADLINES });
      if (!latest) return null;
      return { date: latest.date, date_label: site.t.longDate(Date.parse(`${latest.date}T12:00:00Z`), 'UTC'), articles: latest.articles };
    } catch (err) {
      deps.log.warn('could not read the latest edition for the offer page', { error: (err as Error).message });
      return null;
    }
  }

  /** The page, with what the reader typed and what was wrong with it when the form comes back. */
  return async (form: { email?: string; error?: string } = {}): Promise<string> => {
    const [priced, latest] = await Promise.all([offer(), sample()]);
    const trial = Boolean(priced.offer && deps.config.stripe?.trialDays);
    return renderPage(
      site,
      'offer',
      { path: '/', topbar: false },
      {
        ...priced,
        sample: latest,
        email: form.email ?? '',
        error: form.error ?? null,
        submit: site.t.t(trial ? 'site.offer.submit_trial' : 'site.offer.submit'),
      },
    );
  };
}
