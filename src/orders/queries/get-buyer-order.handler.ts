import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { OrderDto } from '../dto/order.dto.js';
import { orderNotFound, ordersByIds, returnWindowMsOf } from '../order-store.js';
import { GetBuyerOrderQuery } from './get-buyer-order.query.js';

@QueryHandler(GetBuyerOrderQuery)
export class GetBuyerOrderHandler implements IQueryHandler<GetBuyerOrderQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ buyerId, orderId }: GetBuyerOrderQuery): Promise<OrderDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute(tx, `SELECT 1 FROM orders WHERE id = $1 AND buyer_id = $2`, [
        orderId,
        buyerId,
      ]);
      if (rows.length === 0) throw orderNotFound();
      return (await ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config)))[0]!;
    }, 'REPEATABLE READ');
  }
}
