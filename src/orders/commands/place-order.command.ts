import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { CheckoutDto, OrderDto } from '../dto/order.dto.js';

export interface PlaceOrderResult {
  order: OrderDto;
  /** True when the `Idempotency-Key` already placed this order (the stored answer, nothing done). */
  replayed: boolean;
}

/** Checkout: the caller's cart becomes one order awaiting payment (`PlaceOrderHandler`). */
export class PlaceOrderCommand extends Command<PlaceOrderResult> {
  constructor(
    readonly checkout: CheckoutDto,
    readonly idempotencyKey: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
