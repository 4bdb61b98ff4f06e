import { Module } from '@nestjs/common';
import { ResolveDisputeHandler } from './commands/resolve-dispute.handler.js';
import { OrdersModule } from '../orders/orders.module.js';
import { RepairsModule } from '../repairs/repairs.module.js';
import { StorageModule } from '../storage/storage.module.js';
import {
  AdminDisputesController,
  DealerDisputesController,
  DisputesController,
  TechnicianDisputesController,
} from './disputes.controller.js';
import { DisputesService } from './disputes.service.js';
import { EvidenceBodyParser } from './evidence-body.parser.js';

/**
 * Returns and disputes of paid sub-orders and disputes of done repair jobs: the buyer's (customer's)
 * claim with evidence, the dealer's (technician's) answer and staff resolution (a full refund through
 * the refunds job, or a release with a partial refund through the escrow release job). Needs
 * DatabaseModule and JobsModule (global).
 */
@Module({
  imports: [OrdersModule, RepairsModule, StorageModule],
  controllers: [
    DisputesController,
    DealerDisputesController,
    TechnicianDisputesController,
    AdminDisputesController,
  ],
  providers: [DisputesService, EvidenceBodyParser, ResolveDisputeHandler],
})
export class DisputesModule {}
