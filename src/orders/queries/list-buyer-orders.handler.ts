import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { OrderPageDto } from '../dto/order.dto.js';
import { orderPage } from '../order-queries.service.js';
import { returnWindowMsOf } from '../order-store.js';
import { ListBuyerOrdersQuery } from './list-buyer-orders.query.js';

@QueryHandler(ListBuyerOrdersQuery)
export class ListBuyerOrdersHandler implements IQueryHandler<ListBuyerOrdersQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ buyerId, filter }: ListBuyerOrdersQuery): Promise<OrderPageDto> {
    return this.transactions.run(
      (tx) =>
        orderPage(
          tx,
          { where: [`o.buyer_id = $1`], params: [buyerId], status: filter.status },
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
