/**
 * Reviews of completed repair jobs: the customer rates the technician, the technician rates the
 * customer, each once, within the job's review window (src/ratings/domain/review-rules.ts). A review
 * stays blind to everyone but its author until both are in or the window closes. Authors edit for
 * 48 h (never once revealed); staff hide abusive text (a reason, audited), never the stars. A
 * customer's review is flagged, never refused, when it looks like a burst of new accounts or comes
 * from the technician's own device or IP. One command = one transaction.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FraudChecks } from '../fraud/fraud-checks.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { identifiesSomeone } from '../common/ip-address.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { sessionOverlapIn } from '../identity/session-overlap.js';
import {
  completedJobOf,
  repairJobNotFound,
  type CompletedJob,
} from '../repairs/repair-job-store.js';
import {
  BURST_WINDOW_HOURS,
  editableUntil,
  editRefusal,
  isRevealed,
  NEW_ACCOUNT_DAYS,
  OWN_SESSION_DAYS,
  reviewFlags,
  reviewWindowClosesAt,
  type ReviewDirection,
} from './domain/review-rules.js';
import type {
  FlaggedReviewDto,
  FlaggedReviewPageDto,
  JobReviewsDto,
  ReviewDto,
  ReviewInputDto,
  ReviewPageDto,
} from './dto/review.dto.js';
import {
  databaseNow,
  flaggedReviews,
  insertReview,
  insertReviewHistory,
  lockReview,
  recentNewAccountReviewsOf,
  revealedReviewsOf,
  reviewById,
  reviewsOfJob,
  updateReview,
  type ReviewRow,
} from './review-store.js';

const DAY_MS = 86_400_000;

const reviewNotFound = () => new AppProblem(404, 'review/not-found', 'Not found', 'No such review');

function reviewDto(r: ReviewRow): ReviewDto {
  return {
    id: r.id,
    repairJobId: r.repair_job_id,
    direction: r.direction,
    authorId: r.author_id,
    subjectId: r.subject_id,
    stars: r.stars,
    text: r.hidden_at === null ? r.body : null,
    hidden: r.hidden_at !== null,
    revealed: isRevealed(r.now, r.window_closes_at, r.both_in),
    submittedAt: r.submitted_at.toISOString(),
    editedAt: r.edited_at === null ? null : r.edited_at.toISOString(),
    editableUntil: editableUntil(r.submitted_at).toISOString(),
    windowClosesAt: r.window_closes_at.toISOString(),
  };
}

function flaggedDto(r: ReviewRow): FlaggedReviewDto {
  return { ...reviewDto(r), flags: r.flags, originalText: r.body, hiddenReason: r.hidden_reason };
}

/** The job, if `userId` is the party who writes reviews in `direction` (else 404). */
async function jobOfAuthor(
  tx: EntityManager,
  jobId: string,
  direction: ReviewDirection,
  userId: string,
): Promise<CompletedJob & { subjectId: string }> {
  const job = await completedJobOf(tx, jobId);
  const author = direction === 'of_technician' ? job?.customerId : job?.technicianId;
  const subject = direction === 'of_technician' ? job?.technicianId : job?.customerId;
  if (!job || author !== userId || !subject) throw repairJobNotFound();
  return { ...job, subjectId: subject };
}

@Injectable()
export class ReviewsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly fraud: FraudChecks,
  ) {}

  /** The caller's review of the other party of a completed job, within its window. */
  submit(
    jobId: string,
    direction: ReviewDirection,
    input: ReviewInputDto,
    meta: RequestMeta,
  ): Promise<ReviewDto> {
    const authorId = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const job = await jobOfAuthor(tx, jobId, direction, authorId);
      if (job.completedAt === null)
        throw new AppProblem(
          409,
          'review/job-not-completed',
          'Not completed',
          'A repair job is reviewed once it is completed',
          { repairJobId: jobId },
        );
      const closes = reviewWindowClosesAt(job.completedAt);
      const now = await databaseNow(tx);
      if (now >= closes)
        throw new AppProblem(
          409,
          'review/window-closed',
          'Review window closed',
          'Reviews are written within 14 days of the job’s completion',
          { windowClosedAt: closes.toISOString() },
        );
      const overlap = await sessionOverlapIn(tx, {
        accountId: authorId,
        otherId: job.subjectId,
        // Loopback, private and carrier-grade NAT addresses identify nobody (as in the fraud rules).
        ip: identifiesSomeone(meta.ip) ? meta.ip : null,
        deviceFingerprint: meta.deviceFingerprint,
        days: OWN_SESSION_DAYS,
      });
      const newAccount =
        now.getTime() - overlap.accountCreatedAt.getTime() < NEW_ACCOUNT_DAYS * DAY_MS;
      const flags =
        direction === 'of_technician'
          ? reviewFlags({
              recentNewAccountReviews: newAccount
                ? (await recentNewAccountReviewsOf(tx, job.subjectId, BURST_WINDOW_HOURS)) + 1
                : 0,
              sameDeviceAsTechnician: overlap.sameDevice,
              sameIpAsTechnician: overlap.sameIp,
            })
          : [];
      const id = await insertReview(tx, {
        jobId,
        direction,
        authorId,
        subjectId: job.subjectId,
        stars: input.stars,
        text: input.text,
        windowClosesAt: closes,
        flags,
        authorNewAccount: newAccount,
      });
      if (id === null)
        throw new AppProblem(
          409,
          'review/already-submitted',
          'Already reviewed',
          'You have reviewed this job already; edit your review instead',
          { repairJobId: jobId },
        );
      await insertReviewHistory(tx, {
        reviewId: id,
        event: 'submit',
        stars: input.stars,
        text: input.text,
        actorId: authorId,
      });
      // The fraud checks alert (never refuse) when the two sides share a device or public IP.
      await this.fraud.onRatingSubmitted(tx, {
        ratingId: id,
        jobId,
        technicianId: direction === 'of_technician' ? job.subjectId : authorId,
        customerId: direction === 'of_technician' ? authorId : job.subjectId,
      });
      return reviewDto(await reviewById(tx, id));
    });
  }

  /** The author edits their review: within 48 h of submitting it, while it is not revealed. */
  edit(
    jobId: string,
    direction: ReviewDirection,
    input: ReviewInputDto,
    meta: RequestMeta,
  ): Promise<ReviewDto> {
    const authorId = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      await jobOfAuthor(tx, jobId, direction, authorId);
      const review = await lockReview(tx, { jobId, direction, authorId });
      if (!review) throw reviewNotFound();
      const refusal = editRefusal(review.now, {
        submittedAt: review.submitted_at,
        windowClosesAt: review.window_closes_at,
        bothIn: review.both_in,
      });
      if (refusal === 'edit_window_closed')
        throw new AppProblem(
          409,
          'review/edit-window-closed',
          'Not editable',
          'A review is editable for 48 hours after it is submitted',
          { editableUntil: editableUntil(review.submitted_at).toISOString() },
        );
      if (refusal === 'revealed')
        throw new AppProblem(
          409,
          'review/revealed',
          'Not editable',
          'A review is not editable once it is shown to the other party',
        );
      if (review.hidden_at !== null)
        throw new AppProblem(
          409,
          'review/hidden',
          'Not editable',
          'Staff hid this review’s text; it is not editable',
        );
      await updateReview(tx, review.id, { stars: input.stars, text: input.text });
      await insertReviewHistory(tx, {
        reviewId: review.id,
        event: 'edit',
        stars: input.stars,
        text: input.text,
        actorId: authorId,
      });
      return reviewDto(await reviewById(tx, review.id));
    });
  }

  /** A job's reviews to one of its parties: their own, and the other's once revealed. */
  ofJob(jobId: string, meta: RequestMeta): Promise<JobReviewsDto> {
    const userId = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const job = await completedJobOf(tx, jobId);
      if (!job || (job.customerId !== userId && job.technicianId !== userId))
        throw repairJobNotFound();
      const items = (await reviewsOfJob(tx, jobId))
        .filter((r) => r.author_id === userId || isRevealed(r.now, r.window_closes_at, r.both_in))
        .map(reviewDto);
      return {
        items,
        windowClosesAt:
          job.completedAt === null ? null : reviewWindowClosesAt(job.completedAt).toISOString(),
      };
    });
  }

  /** A technician's revealed reviews by its customers (hidden text withheld), newest first. */
  ofTechnician(technicianId: string, limit: number, cursor?: string): Promise<ReviewPageDto> {
    return this.transactions.run(async (tx) => {
      const { rows, nextCursor } = await revealedReviewsOf(tx, technicianId, limit, cursor);
      return { items: rows.map(reviewDto), ...(nextCursor ? { nextCursor } : {}) };
    });
  }

  /** Flagged reviews for staff, newest first. */
  flagged(limit: number, cursor?: string): Promise<FlaggedReviewPageDto> {
    return this.transactions.run(async (tx) => {
      const { rows, nextCursor } = await flaggedReviews(tx, limit, cursor);
      return { items: rows.map(flaggedDto), ...(nextCursor ? { nextCursor } : {}) };
    });
  }

  /** Staff hide a review's text (a reason, audited `review.hide`); its stars stay. */
  hide(reviewId: string, reason: string, meta: RequestMeta): Promise<FlaggedReviewDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const review = await lockReview(tx, { id: reviewId });
      if (!review) throw reviewNotFound();
      if (review.hidden_at !== null)
        throw new AppProblem(
          409,
          'review/already-hidden',
          'Already hidden',
          'This review’s text is hidden already',
        );
      await updateReview(tx, review.id, { hiddenBy: p.userId, reason });
      await insertReviewHistory(tx, {
        reviewId: review.id,
        event: 'hide',
        stars: review.stars,
        text: review.body,
        actorId: p.userId,
        reason,
      });
      await this.audit.record(tx, meta, {
        action: 'review.hide',
        targetType: 'job_review',
        targetId: review.id,
        reason,
        before: { hidden: false },
        after: { hidden: true },
      });
      return flaggedDto(await reviewById(tx, review.id));
    });
  }
}
