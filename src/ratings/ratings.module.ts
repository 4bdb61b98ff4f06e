import { Module } from '@nestjs/common';
import { FraudModule } from '../fraud/fraud.module.js';
import { ReviewsController } from './reviews.controller.js';
import { ReviewsService } from './reviews.service.js';

/**
 * Ratings of completed repair jobs and the technicians' ranking (`technicianRankings`, a function
 * read in the caller's transaction). A submitted review goes through the fraud checks
 * (`FraudChecks.onRatingSubmitted`). Needs DatabaseModule and AuditModule (global).
 */
@Module({
  imports: [FraudModule],
  controllers: [ReviewsController],
  providers: [ReviewsService],
})
export class RatingsModule {}
