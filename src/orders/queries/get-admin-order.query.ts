import { Query } from '@nestjs/cqrs';
import type { OrderDto } from '../dto/order.dto.js';

/** Any order with its history, for staff (`GetAdminOrderHandler`). */
export class GetAdminOrderQuery extends Query<OrderDto> {
  constructor(readonly orderId: string) {
    super();
  }
}
