import { Query } from '@nestjs/cqrs';
import type { OrderDto } from '../dto/order.dto.js';

/** One of the buyer's own orders with its history; another buyer's is 404 (`GetBuyerOrderHandler`). */
export class GetBuyerOrderQuery extends Query<OrderDto> {
  constructor(
    readonly buyerId: string,
    readonly orderId: string,
  ) {
    super();
  }
}
