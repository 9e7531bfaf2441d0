/**
 * A Stripe event that can never be applied, however often Stripe retries it (its customer was
 * deleted, its object is missing or malformed). It is recorded with the reason and answered 200.
 */
export class EventRejected extends Error {
  override name = 'EventRejected';
}
