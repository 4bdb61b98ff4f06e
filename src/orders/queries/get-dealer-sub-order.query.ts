import { Query } from '@nestjs/cqrs';
import type { DealerSubOrderDto } from '../dto/order.dto.js';

/** One of the dealer's own sub-orders with its history; another dealer's is 404 (`GetDealerSubOrderHandler`). */
export class GetDealerSubOrderQuery extends Query<DealerSubOrderDto> {
  constructor(
    readonly dealerId: string,
    readonly subOrderId: string,
  ) {
    super();
  }
}
