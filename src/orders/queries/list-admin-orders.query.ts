import { Query } from '@nestjs/cqrs';
import type { AdminOrderQueryDto, OrderPageDto } from '../dto/order.dto.js';

/**
 * Every order, for staff, filtered by sub-order status, dealer, buyer, buyer type, payment status,
 * placed between and total between; newest first (`ListAdminOrdersHandler`).
 */
export class ListAdminOrdersQuery extends Query<OrderPageDto> {
  constructor(readonly filter: AdminOrderQueryDto) {
    super();
  }
}
