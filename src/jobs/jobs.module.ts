import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service.js';

/** Global: any module declares its queues on, and enqueues through, the one JobQueue. */
@Global()
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobsModule {}
