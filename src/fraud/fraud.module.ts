import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module.js';
import { FraudChecks } from './fraud-checks.service.js';
import { FraudController } from './fraud.controller.js';
import { FraudReview } from './fraud-review.service.js';

/**
 * Fraud prevention checks (README "Fraud checks"): registers its checkout check and fulfilment gate
 * with the orders (`OrderChecks`), scans refunds, and gives staff the alerts and held orders.
 * `FraudChecks.onRatingSubmitted` is exported for the repair jobs' ratings.
 */
@Module({
  imports: [OrdersModule],
  controllers: [FraudController],
  providers: [FraudChecks, FraudReview],
  exports: [FraudChecks],
})
export class FraudModule {}
