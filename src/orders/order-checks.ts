import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';

/** An order checkout has just written (in its transaction), as checks see it. */
export interface PlacedOrder {
  orderId: string;
  buyerId: string;
  totalPaise: number;
  dealerIds: string[];
  /** The delivery contact's phone (E.164). */
  shippingPhone: string;
}

/**
 * A check run in the checkout's transaction once the order is written (e.g. src/fraud/: record the
 * order's signals, hold it for review). It refuses the checkout by throwing; a `CheckoutRefused`
 * also has something recorded after the checkout rolled back (e.g. an alert).
 */
export type CheckoutCheck = (
  tx: EntityManager,
  order: PlacedOrder,
  meta: RequestMeta,
) => Promise<void>;

/** Why the order may not be fulfilled now (the dealer's accept, pack, ship), or null. */
export type FulfilmentGate = (tx: EntityManager, orderId: string) => Promise<AppProblem | null>;

/** A refused checkout: `problem` is the answer; `record` runs in a transaction of its own after the rollback. */
export class CheckoutRefused extends Error {
  constructor(
    readonly problem: AppProblem,
    readonly record: (tx: EntityManager) => Promise<void>,
  ) {
    super(problem.message);
  }
}

/** Checks other modules register at init: what checkout runs and what gates fulfilment. */
@Injectable()
export class OrderChecks {
  private readonly checkout: CheckoutCheck[] = [];
  private readonly gates: FulfilmentGate[] = [];

  onCheckout(check: CheckoutCheck): void {
    this.checkout.push(check);
  }

  onFulfilment(gate: FulfilmentGate): void {
    this.gates.push(gate);
  }

  async runCheckout(tx: EntityManager, order: PlacedOrder, meta: RequestMeta): Promise<void> {
    for (const check of this.checkout) await check(tx, order, meta);
  }

  async fulfilmentRefusal(tx: EntityManager, orderId: string): Promise<AppProblem | null> {
    for (const gate of this.gates) {
      const refusal = await gate(tx, orderId);
      if (refusal !== null) return refusal;
    }
    return null;
  }
}
