import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { GatewayError } from '../../gateway/payment-gateway.js';

/** A Route transfer as listed for its source payment (the fields recovery needs). */
export interface ListedTransfer {
  id: string;
  recipientAccountId: string;
  amountPaise: number;
  onHold: boolean;
  notes: Record<string, string>;
}

/**
 * Lists the Route transfers of a payment (Razorpay `GET /v1/payments/{id}/transfers`), to find a
 * transfer that was created although its creation call failed (a 5xx after the work was done, a
 * dropped connection, a crash before the answer was recorded): it carries the hold id (once, the sub-order id) in its
 * notes. The gateway port has no such call yet, so this asks the same API (config.razorpay) directly;
 * it belongs in PaymentGateway as `transfersOfPayment` (then this class only delegates).
 */
@Injectable()
export class RouteTransferLookup {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async transfersOfPayment(paymentId: string): Promise<ListedTransfer[]> {
    const { apiUrl, keyId, keySecret } = this.config.razorpay;
    const url = `${apiUrl.replace(/\/+$/, '')}/v1/payments/${encodeURIComponent(paymentId)}/transfers`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          authorization: `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`,
        },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new GatewayError(
        `Razorpay list transfers failed: ${(err as Error).message}`,
        null,
        'NETWORK_ERROR',
        true,
      );
    }
    const body = (await res.json().catch(() => null)) as {
      items?: unknown;
      error?: { code?: unknown; description?: unknown };
    } | null;
    if (!res.ok) {
      const code = typeof body?.error?.code === 'string' ? body.error.code : null;
      const description =
        typeof body?.error?.description === 'string'
          ? body.error.description
          : `HTTP ${res.status}`;
      throw new GatewayError(
        `Razorpay list transfers failed (${res.status} ${code ?? ''}): ${description}`,
        res.status,
        code,
        res.status >= 500 || res.status === 429,
      );
    }
    if (!Array.isArray(body?.items))
      throw new GatewayError(
        'Razorpay list transfers: malformed response',
        res.status,
        null,
        false,
      );
    return body.items.map((raw) => {
      const o = (raw ?? {}) as Record<string, unknown>;
      const notes: Record<string, string> = {};
      if (typeof o.notes === 'object' && o.notes !== null && !Array.isArray(o.notes))
        for (const [k, v] of Object.entries(o.notes)) notes[k] = String(v);
      return {
        id: String(o.id),
        recipientAccountId: String(o.recipient),
        amountPaise: Number(o.amount),
        onHold: o.on_hold === true || o.on_hold === 1,
        notes,
      };
    });
  }
}
