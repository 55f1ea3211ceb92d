/**
 * Example activities for ../shared/seed-workflows/order_processing.kotoba
 * (saga with parallel payment, inventory and fraud check). In-memory.
 */
import { ActivityError, ActivityRegistry, FunctionActivity } from '../../src/workflow/activities/index.ts';
import type { JsonObject } from '../../src/workflow/activities/index.ts';

export interface OrderProcessingOptions {
  /** Make process_payment fail with INSUFFICIENT_FUNDS (not retryable). */
  readonly failPayment?: boolean;
  /** Make process_payment fail this many times with a retryable error first. */
  readonly flakyPayment?: number;
}

export function orderProcessingActivities(options: OrderProcessingOptions = {}): { registry: ActivityRegistry; calls: { name: string; input: JsonObject; at: number }[] } {
  const calls: { name: string; input: JsonObject; at: number }[] = [];
  let flaky = options.flakyPayment ?? 0;
  const fn = (name: string, handler: (input: JsonObject) => JsonObject) =>
    new FunctionActivity(name, (input, ctx) => {
      calls.push({ name, input, at: ctx.clock?.now() ?? 0 });
      return handler(input);
    });
  const registry = new ActivityRegistry()
    .register(fn('validate_order', (i) => ({ valid: true, order_id: i.order_id ?? null })))
    .register(
      fn('process_payment', (i) => {
        if (options.failPayment === true) throw new ActivityError('INSUFFICIENT_FUNDS', 'card declined');
        if (flaky > 0) {
          flaky--;
          throw new ActivityError('GATEWAY_UNAVAILABLE', 'try again');
        }
        return { paymentId: `pay-${String(i.order_id)}`, totalAmount: i.amount ?? null };
      }),
    )
    .register(fn('reserve_inventory', (i) => ({ reservationId: `res-${String(i.order_id)}` })))
    .register(fn('fraud_check', () => ({ fraudulent: false })))
    .register(fn('send_confirmation', (i) => ({ confirmationId: `conf-${String(i.order_id)}`, processed: true })))
    .register(fn('cancel_payment', () => ({ cancelled: true })))
    .register(fn('release_inventory', () => ({ released: true })))
    .register(fn('send_failure_notification', () => ({ notified: true })));
  return { registry, calls };
}
