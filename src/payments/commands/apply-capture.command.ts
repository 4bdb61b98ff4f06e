import { Command } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import type { GatewayPayment } from '../../gateway/payment-gateway.js';
import type { CaptureDecision } from '../payable.js';
import type { TerminalPayment } from '../terminal/terminal-capture.js';

export type CaptureResult =
  | { code: 'applied'; outcome: CaptureDecision['code'] }
  | { code: 'replayed' }
  | { code: 'unknown_order' };

/**
 * A captured gateway payment, applied exactly once (`ApplyCaptureHandler`). Dispatched by the
 * payment webhooks with `tx`, the inbox row's transaction, and by the stuck-payment poller with
 * `tx` null (the handler opens its own). `request`: the terminal's payment request (a Payment Link
 * or QR code, src/payments/terminal/) the gateway says the payment paid — it has no order of ours.
 */
export class ApplyCaptureCommand extends Command<CaptureResult> {
  constructor(
    readonly tx: EntityManager | null,
    readonly payment: GatewayPayment,
    readonly request: TerminalPayment | null = null,
  ) {
    super();
  }
}
