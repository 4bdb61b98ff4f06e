import { Module } from '@nestjs/common';
import { RepairJobsController } from './repair-jobs.controller.js';
import { RepairJobPayments, RepairJobs } from './repair-jobs.service.js';

/**
 * Repair jobs (the skeleton of the repair-services issue): creation, completion and the payment
 * port the payments module pays a job through (`RepairJobPayments`). Needs DatabaseModule and
 * AuditModule (global).
 */
@Module({
  controllers: [RepairJobsController],
  providers: [RepairJobs, RepairJobPayments],
  exports: [RepairJobPayments],
})
export class RepairsModule {}
