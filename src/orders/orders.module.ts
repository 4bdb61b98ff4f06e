import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AdminOrdersController } from './admin-orders.controller.js';
import { BuyerOrdersController } from './buyer-orders.controller.js';
import { CartController } from './cart.controller.js';
import { CartService } from './cart.service.js';
import { PlaceOrderHandler } from './commands/place-order.handler.js';
import { DealerOrdersController } from './dealer-orders.controller.js';
import { OrderChecks } from './order-checks.js';
import { OrderCommands } from './order-commands.service.js';
import { OrderJobs } from './order-jobs.js';
import { GetAdminOrderHandler } from './queries/get-admin-order.handler.js';
import { GetBuyerOrderHandler } from './queries/get-buyer-order.handler.js';
import { GetDealerSubOrderHandler } from './queries/get-dealer-sub-order.handler.js';
import { ListAdminOrdersHandler } from './queries/list-admin-orders.handler.js';
import { ListBuyerOrdersHandler } from './queries/list-buyer-orders.handler.js';
import { ListDealerSubOrdersHandler } from './queries/list-dealer-sub-orders.handler.js';
import { ListDeliveryRulesHandler } from './queries/list-delivery-rules.handler.js';

/**
 * Carts, checkout and orders of the parts marketplace. Checkout is `PlaceOrderCommand` and the order
 * reads are queries (`commands/`, `queries/`, dispatched on the CommandBus and QueryBus).
 * `OrderCommands.confirmPaid` / `paymentFailed` are the payment port: the payments module calls them
 * when a payment for an order succeeds or fails. Needs DatabaseModule, AuditModule, JobsModule
 * (global) and IdentityModule (account-status hooks: a suspended dealer's open orders are cleaned
 * up). `OrderChecks` takes other modules' checkout checks and fulfilment gates (src/fraud/).
 */
@Module({
  imports: [IdentityModule],
  controllers: [
    CartController,
    BuyerOrdersController,
    DealerOrdersController,
    AdminOrdersController,
  ],
  providers: [
    CartService,
    OrderChecks,
    OrderCommands,
    OrderJobs,
    PlaceOrderHandler,
    ListBuyerOrdersHandler,
    GetBuyerOrderHandler,
    ListDealerSubOrdersHandler,
    GetDealerSubOrderHandler,
    ListAdminOrdersHandler,
    GetAdminOrderHandler,
    ListDeliveryRulesHandler,
  ],
  exports: [OrderChecks, OrderCommands],
})
export class OrdersModule {}
