import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import {
  AdminRepairJobsController,
  RepairJobsController,
  TechnicianRepairJobsController,
} from './repair-jobs.controller.js';
import { RepairJobDisputes } from './repair-job-disputes.js';
import { RepairJobImeis } from './repair-job-imeis.js';
import { RepairJobPayments, RepairJobs } from './repair-jobs.service.js';
import { RepairMediaBodyParser } from './repair-media-body.parser.js';
import { RepairMedia } from './repair-media.service.js';
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
 * (`RepairJobImeis`, remote repair's vault); the photos and videos its customer attaches
 * (`RepairMedia`, through the storage port). Needs DatabaseModule, JobsModule, ConfigModule and AuditModule (global).
 */
@Module({
  imports: [StorageModule],
  controllers: [
    RepairJobsController,
    TechnicianRepairJobsController,
    AdminRepairJobsController,
    RepairTrackingController,
    AdminRepairTrackingController,
  ],
  providers: [
    RepairJobs,
    RepairJobPayments,
    RepairTracking,
    RepairJobDisputes,
    RepairJobImeis,
    RepairMedia,
    RepairMediaBodyParser,
  ],
  exports: [RepairJobPayments, RepairJobDisputes, RepairJobImeis],
})
export class RepairsModule {}
