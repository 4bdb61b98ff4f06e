import type { OrderActor, SubOrderEvent, SubOrderStatus } from '../domain/sub-order-state.js';

/** An order was placed at checkout (its sub-orders await payment, their stock reserved). Published after commit. */
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly buyerId: string,
    readonly subOrderIds: readonly string[],
    readonly totalPaise: number,
  ) {}
}

/** A sub-order moved through its state machine (one per history row). Published after commit. */
export class SubOrderTransitioned {
  constructor(
    readonly subOrderId: string,
    readonly orderId: string,
    readonly dealerId: string,
    readonly buyerId: string,
    readonly event: SubOrderEvent,
    readonly from: SubOrderStatus,
    readonly to: SubOrderStatus,
    readonly actor: OrderActor,
  ) {}
}
