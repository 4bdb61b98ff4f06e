import { Module } from '@nestjs/common';
import {
  AdminRepairJobsController,
  RepairJobsController,
  TechnicianRepairJobsController,
} from './repair-jobs.controller.js';
import { RepairJobPayments, RepairJobs } from './repair-jobs.service.js';

/**
 * Repair jobs: the customer's request, assignment, the technician's steps and quotes, confirmation
 * (and its auto-confirm job), and the payment port the payments module pays a job through
 * (`RepairJobPayments`). Needs DatabaseModule, JobsModule, ConfigModule and AuditModule (global).
 */
@Module({
  controllers: [RepairJobsController, TechnicianRepairJobsController, AdminRepairJobsController],
  providers: [RepairJobs, RepairJobPayments],
  exports: [RepairJobPayments],
})
export class RepairsModule {}
