import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { DeliveryRuleDto } from '../dto/order.dto.js';
import { ListDeliveryRulesQuery } from './list-delivery-rules.query.js';

@QueryHandler(ListDeliveryRulesQuery)
export class ListDeliveryRulesHandler implements IQueryHandler<ListDeliveryRulesQuery> {
  constructor(private readonly transactions: TransactionRunner) {}

  execute(): Promise<DeliveryRuleDto[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        channel: 'b2b' | 'b2c';
        flat_fee_paise: string;
        free_from_paise: string | null;
        updated_at: Date;
      }>(
        tx,
        `SELECT channel, flat_fee_paise::text AS flat_fee_paise, free_from_paise::text AS free_from_paise, updated_at
         FROM delivery_rules ORDER BY channel`,
      );
      return rows.map((r) => ({
        channel: r.channel,
        flatFeePaise: Number(r.flat_fee_paise),
        freeFromPaise: r.free_from_paise === null ? null : Number(r.free_from_paise),
        updatedAt: r.updated_at.toISOString(),
      }));
    });
  }
}
