import { Module } from '@nestjs/common';
import {
  AdminRepairJobsController,
  RepairJobsController,
  TechnicianRepairJobsController,
} from './repair-jobs.controller.js';
import { RepairJobDisputes } from './repair-job-disputes.js';
import { RepairJobImeis } from './repair-job-imeis.js';
import { RepairJobPayments, RepairJobs } from './repair-jobs.service.js';
import {
  AdminRepairTrackingController,
  RepairTrackingController,
} from './repair-tracking.controller.js';
import { RepairTracking } from './repair-tracking.service.js';

/**
 * Repair jobs: the customer's request, assignment, the technician's steps and quotes, confirmation
 * (and its auto-confirm job), live tracking of the technician on its way, and the payment port the payments module pays a job through
 * (`RepairJobPayments`), and the port the disputes module names a disputed job's open dispute through
 * (`RepairJobDisputes`), and the port a software job's booking stores its IMEI through
 * (`RepairJobImeis`, remote repair's vault). Needs DatabaseModule, JobsModule, ConfigModule and AuditModule (global).
 */
@Module({
  controllers: [
    RepairJobsController,
    TechnicianRepairJobsController,
    AdminRepairJobsController,
    RepairTrackingController,
    AdminRepairTrackingController,
  ],
  providers: [RepairJobs, RepairJobPayments, RepairTracking, RepairJobDisputes, RepairJobImeis],
  exports: [RepairJobPayments, RepairJobDisputes, RepairJobImeis],
})
export class RepairsModule {}
