import { Module } from '@nestjs/common';
import { ReviewsController } from './reviews.controller.js';
import { ReviewsService } from './reviews.service.js';

/**
 * Ratings of completed repair jobs and the technicians' ranking (`technicianRankings`, a function
 * read in the caller's transaction). Needs DatabaseModule and AuditModule (global).
 */
@Module({
  controllers: [ReviewsController],
  providers: [ReviewsService],
})
export class RatingsModule {}
