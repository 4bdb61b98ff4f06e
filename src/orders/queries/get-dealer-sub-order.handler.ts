import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { DealerSubOrderDto } from '../dto/order.dto.js';
import { dealerSubOrdersByIds, orderNotFound, returnWindowMsOf } from '../order-store.js';
import { GetDealerSubOrderQuery } from './get-dealer-sub-order.query.js';

@QueryHandler(GetDealerSubOrderQuery)
export class GetDealerSubOrderHandler implements IQueryHandler<GetDealerSubOrderQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ dealerId, subOrderId }: GetDealerSubOrderQuery): Promise<DealerSubOrderDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute(
        tx,
        `SELECT 1 FROM sub_orders WHERE id = $1 AND dealer_id = $2`,
        [subOrderId, dealerId],
      );
      if (rows.length === 0) throw orderNotFound();
      return (
        await dealerSubOrdersByIds(tx, [subOrderId], true, returnWindowMsOf(this.config))
      )[0]!;
    }, 'REPEATABLE READ');
  }
}
