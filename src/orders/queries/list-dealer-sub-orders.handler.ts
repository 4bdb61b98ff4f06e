import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { DealerSubOrderPageDto } from '../dto/order.dto.js';
import { dealerSubOrderPage } from '../order-queries.service.js';
import { returnWindowMsOf } from '../order-store.js';
import { ListDealerSubOrdersQuery } from './list-dealer-sub-orders.query.js';

@QueryHandler(ListDealerSubOrdersQuery)
export class ListDealerSubOrdersHandler implements IQueryHandler<ListDealerSubOrdersQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ dealerId, filter }: ListDealerSubOrdersQuery): Promise<DealerSubOrderPageDto> {
    return this.transactions.run(
      (tx) =>
        dealerSubOrderPage(tx, dealerId, filter.status, {
          limit: filter.limit,
          cursor: filter.cursor,
          returnWindowMs: returnWindowMsOf(this.config),
        }),
      'REPEATABLE READ',
    );
  }
}
