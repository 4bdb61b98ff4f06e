/**
 * Checkout, in one READ COMMITTED transaction under its `Idempotency-Key` (steps in
 * `place-order.steps.ts`):
 * 1. lock the buyer's cart lines (two concurrent submits: the second finds the cart emptied);
 * 2. price the listings (dealers' account rows locked FOR SHARE, so a suspension is seen);
 * 3. refuse on any line problem (409), a total beyond limits, the minimum not met (422, with the
 *    shortfall) or a total that changed since the buyer saw it (409);
 * 4. write the order, one sub-order per dealer and the line snapshots (prices, GST breakdown);
 * 5. reserve stock last, listing by listing in id order, each a conditional
 *    `UPDATE … WHERE stock_on_hand − stock_reserved >= quantity` (a failed one: 409, all rolled back),
 *    so the hot rows stay locked only until commit;
 * 6. empty the cart;
 * 7. run the registered checkout checks (`OrderChecks`, e.g. fraud: hold for review or refuse; a
 *    refusal's record is written after the rollback, in a transaction of its own).
 * `OrderPlaced` is published once the transaction has committed (not for a replay).
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { idempotent } from '../../database/idempotency.js';
import { TransactionRunner } from '../../database/transaction.js';
import { buyerOf } from '../cart.service.js';
import type { CheckoutDto, OrderDto } from '../dto/order.dto.js';
import { OrderPlaced } from '../events/order-events.js';
import { CheckoutRefused, OrderChecks } from '../order-checks.js';
import { ordersByIds, returnWindowMsOf } from '../order-store.js';
import { PlaceOrderCommand, type PlaceOrderResult } from './place-order.command.js';
import {
  emptyCart,
  insertOrder,
  insertSubOrder,
  lockCart,
  priceCheckout,
  refuseUnlessPlaceable,
  reserveStock,
} from './place-order.steps.js';

@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checks: OrderChecks,
  ) {}

  async execute({ checkout, idempotencyKey, meta }: PlaceOrderCommand): Promise<PlaceOrderResult> {
    const scope = {
      ownerId: meta.principal!.userId,
      scope: 'checkout',
      key: idempotencyKey,
      request: checkout,
    };
    const result = await this.transactions
      .run((tx) => idempotent(tx, scope, () => this.place(tx, checkout, idempotencyKey, meta)))
      .catch(async (err: unknown) => {
        if (!(err instanceof CheckoutRefused)) throw err;
        await this.transactions.run((tx) => err.record(tx));
        throw err.problem;
      });
    const order = result.body;
    if (!result.replayed)
      this.events.publish(
        new OrderPlaced(
          order.id,
          order.buyerId,
          order.subOrders.map((s) => s.id),
          order.totalPaise,
        ),
      );
    return { order, replayed: result.replayed };
  }

  /** Steps 1–7 in `tx`; returns the placed order as the buyer sees it. */
  private async place(
    tx: EntityManager,
    dto: CheckoutDto,
    idempotencyKey: string,
    meta: RequestMeta,
  ): Promise<OrderDto> {
    const buyer = await buyerOf(tx, meta.principal!);
    const cart = await lockCart(tx, buyer.id);
    const minimumPaise = this.config.orders.minimumOrderPaise[buyer.channel];
    const priced = await priceCheckout(tx, buyer, cart, dto, minimumPaise);
    refuseUnlessPlaceable(buyer, priced, dto, minimumPaise);
    const orderId = await insertOrder(tx, buyer, dto, priced, {
      minimumPaise,
      reservationTtlMinutes: this.config.orders.reservationTtlMinutes,
      idempotencyKey,
    });
    for (const g of priced.groups) await insertSubOrder(tx, orderId, g, buyer);
    await reserveStock(tx, buyer.id, orderId, priced);
    await emptyCart(tx, buyer.id, cart);
    const [order] = await ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config));
    await this.checks.runCheckout(
      tx,
      {
        orderId,
        buyerId: buyer.id,
        totalPaise: order!.totalPaise,
        dealerIds: order!.subOrders.map((s) => s.dealerId),
        shippingPhone: dto.shippingAddress.phone,
      },
      meta,
    );
    return order!;
  }
}
