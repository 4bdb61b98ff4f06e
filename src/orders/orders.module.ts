import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AdminOrdersController } from './admin-orders.controller.js';
import { BuyerOrdersController } from './buyer-orders.controller.js';
import { CartController } from './cart.controller.js';
import { CartService } from './cart.service.js';
import { DealerOrdersController } from './dealer-orders.controller.js';
import { OrderChecks } from './order-checks.js';
import { OrderCommands } from './order-commands.service.js';
import { OrderJobs } from './order-jobs.js';
import { OrderQueries } from './order-queries.service.js';

/**
 * Carts, checkout and orders of the parts marketplace. `OrderCommands.confirmPaid` /
 * `paymentFailed` are the payment port: the payments module calls them when a payment for an order
 * succeeds or fails. Needs DatabaseModule, AuditModule, JobsModule (global) and IdentityModule
 * (account-status hooks: a suspended dealer's open orders are cleaned up). `OrderChecks` takes
 * other modules' checkout checks and fulfilment gates (src/fraud/).
 */
@Module({
  imports: [IdentityModule],
  controllers: [
    CartController,
    BuyerOrdersController,
    DealerOrdersController,
    AdminOrdersController,
  ],
  providers: [CartService, OrderChecks, OrderCommands, OrderQueries, OrderJobs],
  exports: [OrderChecks, OrderCommands, OrderQueries],
})
export class OrdersModule {}
