import { Query } from '@nestjs/cqrs';
import type { BuyerOrderQueryDto, OrderPageDto } from '../dto/order.dto.js';

/** A buyer's own orders, newest first (`ListBuyerOrdersHandler`). */
export class ListBuyerOrdersQuery extends Query<OrderPageDto> {
  constructor(
    readonly buyerId: string,
    readonly filter: BuyerOrderQueryDto,
  ) {
    super();
  }
}
