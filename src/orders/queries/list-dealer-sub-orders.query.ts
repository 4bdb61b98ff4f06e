import { Query } from '@nestjs/cqrs';
import type { DealerOrderQueryDto, DealerSubOrderPageDto } from '../dto/order.dto.js';

/** A dealer's own sub-orders, newest first (`ListDealerSubOrdersHandler`). */
export class ListDealerSubOrdersQuery extends Query<DealerSubOrderPageDto> {
  constructor(
    readonly dealerId: string,
    readonly filter: DealerOrderQueryDto,
  ) {
    super();
  }
}
