import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { OrderDto } from '../dto/order.dto.js';
import { orderNotFound, ordersByIds, returnWindowMsOf } from '../order-store.js';
import { GetAdminOrderQuery } from './get-admin-order.query.js';

@QueryHandler(GetAdminOrderQuery)
export class GetAdminOrderHandler implements IQueryHandler<GetAdminOrderQuery> {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ orderId }: GetAdminOrderQuery): Promise<OrderDto> {
    const [order] = await this.transactions.run(
      (tx) => ordersByIds(tx, [orderId], true, returnWindowMsOf(this.config)),
      'REPEATABLE READ',
    );
    if (order === undefined) throw orderNotFound();
    return order;
  }
}
