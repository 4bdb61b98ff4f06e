import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { periodOf } from '../../common/period.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { AdminOrderQueryDto, OrderPageDto, OrderPaymentStatus } from '../dto/order.dto.js';
import { orderPage } from '../order-queries.service.js';
import { returnWindowMsOf } from '../order-store.js';
import { ListAdminOrdersQuery } from './list-admin-orders.query.js';

/** Paid orders read by their processed refunds (`orders.refund_status`): `paid` has none. */
const REFUND_STATUS_OF: Partial<Record<OrderPaymentStatus, string>> = {
  paid: 'none',
  partially_refunded: 'partial',
  refunded: 'full',
};

/** The filter's SQL conditions on `orders o` and their parameters (`$1`…). */
function conditionsOf(q: AdminOrderQueryDto): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (q.dealerId !== undefined)
    add(
      (n) => `EXISTS (SELECT 1 FROM sub_orders x WHERE x.order_id = o.id AND x.dealer_id = $${n})`,
      q.dealerId,
    );
  if (q.buyerId !== undefined) add((n) => `o.buyer_id = $${n}`, q.buyerId);
  if (q.buyerType !== undefined) add((n) => `o.channel = $${n}`, q.buyerType);
  if (q.paymentStatus !== undefined) {
    const refund = REFUND_STATUS_OF[q.paymentStatus];
    if (refund === undefined) add((n) => `o.payment_status = $${n}`, q.paymentStatus);
    else add((n) => `o.payment_status = 'paid' AND o.refund_status = $${n}`, refund);
  }
  const { from, to } = periodOf(q);
  if (from !== undefined) add((n) => `o.created_at >= $${n}::timestamptz`, from);
  if (to !== undefined) add((n) => `o.created_at < $${n}::timestamptz`, to);
  if (q.minTotalPaise !== undefined) add((n) => `o.total_paise >= $${n}`, q.minTotalPaise);
  if (q.maxTotalPaise !== undefined) add((n) => `o.total_paise <= $${n}`, q.maxTotalPaise);
  return { where, params };
}

@QueryHandler(ListAdminOrdersQuery)
export class ListAdminOrdersHandler implements IQueryHandler<ListAdminOrdersQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ filter }: ListAdminOrdersQuery): Promise<OrderPageDto> {
    return this.transactions.run(
      (tx) =>
        orderPage(
          tx,
          { ...conditionsOf(filter), status: filter.status },
          {
            limit: filter.limit,
            cursor: filter.cursor,
            returnWindowMs: returnWindowMsOf(this.config),
          },
        ),
      'REPEATABLE READ',
    );
  }
}
