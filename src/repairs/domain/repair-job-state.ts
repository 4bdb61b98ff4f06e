/**
 * The repair job state machine (`REPAIR_JOB_MACHINE`, the common state-machine helper).
 *
 *   matching ─accept_offer (technician: an offer accepted)─▶ assigned          (hardware: auto-match)
 *   matching ─exhaust (system: no candidate accepted)─▶ awaiting_assignment     (the admin queue)
 *   awaiting_assignment, matching ─assign (staff)─▶ assigned                    (software: always staff)
 *   assigned ─depart─▶ en_route ─arrive─▶ arrived ─diagnose─▶ diagnosing   (offline: at the customer's)
 *   assigned ─diagnose─▶ diagnosing                                          (online: remote)
 *   diagnosing, quoted ─quote─▶ quoted ─approve_quote─▶ awaiting_payment ─pay─▶ in_progress
 *   quoted ─reject_quote─▶ diagnosing
 *   in_progress ─finish─▶ done ─confirm─▶ confirmed ─close─▶ closed
 *   in_progress ─quote_supplement, approve_supplement, decline_supplement, pay_supplement,
 *                withdraw_supplement─▶ in_progress
 *   done ─dispute (customer, within the confirmation window)─▶ disputed
 *   disputed ─resolve_dispute (staff, reason)─▶ confirmed (release, partial refund) | cancelled (full refund)
 *   before payment: ─withdraw (technician, reason)─▶ awaiting_assignment
 *                   ─reassign (staff, reason)─▶ assigned (another technician)
 *                   ─cancel (customer; staff with a reason)─▶ cancelled
 *   matching, awaiting_assignment ─cancel (customer; staff with a reason)─▶ cancelled
 *   in_progress (paid) ─cancel (customer; technician or staff with a reason)─▶ cancelled
 *
 * A hardware job is created `matching` (src/matching/ offers it to nearby technicians one at a
 * time); a software job `awaiting_assignment`.
 *
 * `pay` is the payment port's (a captured payment of the approved quote's total); while the job is in
 * progress its technician may quote more work (`quote_supplement`), which the customer approves or
 * declines; an approved supplement is due (`supplement_due_paise`) until a captured payment of it
 * (`pay_supplement`, the payment port's again) holds it in a new escrow hold of the job, and the job
 * cannot be finished before — unless its technician (or staff) withdraws the unpaid supplement with a
 * reason (`withdraw_supplement`: the customer will not pay it; the job is finished with what was
 * paid, and a payment of it arriving later is refunded as unpayable); `confirm` is the
 * customer's, the system's once the confirmation window has passed (`REPAIR_CONFIRM_WINDOW_HOURS`)
 * or staff's with a reason, and makes the job's escrow hold due for release to the technician
 * (src/escrow/); `close` follows that release. `dispute` is the customer's, opening a dispute
 * (src/disputes/) of a done job before the window passes: a disputed job is neither confirmed nor
 * released until staff resolve the dispute (`resolve_dispute`): to `confirmed` when its escrow goes
 * to the technician (whole, or less a refund at release), to `cancelled` with no visit fee when it
 * goes back to the customer in full. Nothing is paid before `in_progress`, so cancelling
 * before it moves no money. Cancelling a paid job (`in_progress`, before it is done) refunds it by
 * the cancellation policy (`visitFeeOf` in src/repairs/repair-jobs.service.ts): in full, or less a
 * visit fee released to the technician.
 */
import { defineStateMachine } from '../../common/state-machine.js';

export const REPAIR_JOB_STATUSES = [
  'matching',
  'awaiting_assignment',
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
  'in_progress',
  'done',
  'disputed',
  'confirmed',
  'closed',
  'cancelled',
] as const;
export type RepairJobStatus = (typeof REPAIR_JOB_STATUSES)[number];

export const REPAIR_JOB_EVENTS = [
  'accept_offer',
  'exhaust',
  'assign',
  'reassign',
  'withdraw',
  'depart',
  'arrive',
  'diagnose',
  'quote',
  'reject_quote',
  'approve_quote',
  'pay',
  'quote_supplement',
  'approve_supplement',
  'decline_supplement',
  'pay_supplement',
  'withdraw_supplement',
  'finish',
  'confirm',
  'dispute',
  'resolve_dispute',
  'close',
  'cancel',
] as const;
export type RepairJobEvent = (typeof REPAIR_JOB_EVENTS)[number];

export type RepairJobActor = 'customer' | 'technician' | 'staff' | 'payment' | 'system';

/** Before payment: the states a job may be withdrawn from, reassigned or cancelled in. */
export const UNPAID_WITH_TECHNICIAN = [
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
] as const satisfies readonly RepairJobStatus[];

/** The states in which the assigned technician is working on the job (it counts toward their load). */
export const ACTIVE_STATUSES: readonly RepairJobStatus[] = [
  ...UNPAID_WITH_TECHNICIAN,
  'in_progress',
];

export const REPAIR_JOB_MACHINE = defineStateMachine<
  RepairJobStatus,
  RepairJobEvent,
  RepairJobActor,
  'repair-job'
>({
  noun: 'repair job',
  codePrefix: 'repair-job',
  states: REPAIR_JOB_STATUSES,
  events: REPAIR_JOB_EVENTS,
  transitions: [
    {
      event: 'accept_offer',
      actors: ['technician'],
      from: ['matching'],
      to: ['assigned'],
      reasonFrom: [],
    },
    {
      event: 'exhaust',
      actors: ['system'],
      from: ['matching'],
      to: ['awaiting_assignment'],
      reasonFrom: [],
    },
    {
      event: 'assign',
      actors: ['staff'],
      from: ['matching', 'awaiting_assignment'],
      to: ['assigned'],
      reasonFrom: [],
    },
    {
      event: 'reassign',
      actors: ['staff'],
      from: UNPAID_WITH_TECHNICIAN,
      to: ['assigned'],
      reasonFrom: ['staff'],
    },
    {
      event: 'withdraw',
      actors: ['technician'],
      from: UNPAID_WITH_TECHNICIAN,
      to: ['awaiting_assignment'],
      reasonFrom: ['technician'],
    },
    {
      event: 'depart',
      actors: ['technician'],
      from: ['assigned'],
      to: ['en_route'],
      reasonFrom: [],
    },
    {
      event: 'arrive',
      actors: ['technician'],
      from: ['en_route'],
      to: ['arrived'],
      reasonFrom: [],
    },
    {
      event: 'diagnose',
      actors: ['technician'],
      from: ['arrived', 'assigned'],
      to: ['diagnosing'],
      reasonFrom: [],
    },
    {
      event: 'quote',
      actors: ['technician'],
      from: ['diagnosing', 'quoted'],
      to: ['quoted'],
      reasonFrom: [],
    },
    {
      event: 'reject_quote',
      actors: ['customer'],
      from: ['quoted'],
      to: ['diagnosing'],
      reasonFrom: [],
    },
    {
      event: 'approve_quote',
      actors: ['customer'],
      from: ['quoted'],
      to: ['awaiting_payment'],
      reasonFrom: [],
    },
    {
      event: 'pay',
      actors: ['payment'],
      from: ['awaiting_payment'],
      to: ['in_progress'],
      reasonFrom: [],
    },
    {
      event: 'quote_supplement',
      actors: ['technician'],
      from: ['in_progress'],
      to: ['in_progress'],
      reasonFrom: [],
    },
    {
      event: 'approve_supplement',
      actors: ['customer'],
      from: ['in_progress'],
      to: ['in_progress'],
      reasonFrom: [],
    },
    {
      event: 'decline_supplement',
      actors: ['customer'],
      from: ['in_progress'],
      to: ['in_progress'],
      reasonFrom: [],
    },
    {
      event: 'pay_supplement',
      actors: ['payment'],
      from: ['in_progress'],
      to: ['in_progress'],
      reasonFrom: [],
    },
    {
      event: 'withdraw_supplement',
      actors: ['technician', 'staff'],
      from: ['in_progress'],
      to: ['in_progress'],
      reasonFrom: ['technician', 'staff'],
    },
    {
      event: 'finish',
      actors: ['technician'],
      from: ['in_progress'],
      to: ['done'],
      reasonFrom: [],
    },
    {
      event: 'confirm',
      actors: ['customer', 'system', 'staff'],
      from: ['done'],
      to: ['confirmed'],
      reasonFrom: ['staff'],
    },
    {
      event: 'dispute',
      actors: ['customer'],
      from: ['done'],
      to: ['disputed'],
      reasonFrom: ['customer'],
    },
    {
      event: 'resolve_dispute',
      actors: ['staff'],
      from: ['disputed'],
      to: ['confirmed', 'cancelled'],
      reasonFrom: ['staff'],
    },
    { event: 'close', actors: ['system'], from: ['confirmed'], to: ['closed'], reasonFrom: [] },
    {
      event: 'cancel',
      actors: ['customer', 'staff'],
      from: ['matching', 'awaiting_assignment', ...UNPAID_WITH_TECHNICIAN, 'in_progress'],
      to: ['cancelled'],
      reasonFrom: ['staff'],
    },
    {
      event: 'cancel',
      actors: ['technician'],
      from: ['in_progress'],
      to: ['cancelled'],
      reasonFrom: ['technician'],
    },
  ],
  key: (s) => s,
  describe: (s) => s.replace(/_/g, ' '),
  past: {
    accept_offer: 'accepted from an offer',
    exhaust: 'sent to the assignment queue',
    assign: 'assigned',
    reassign: 'reassigned',
    withdraw: 'withdrawn from',
    depart: 'set en route',
    arrive: 'marked arrived',
    diagnose: 'diagnosed',
    quote: 'quoted',
    reject_quote: 'have its quote rejected',
    approve_quote: 'have its quote approved',
    pay: 'paid',
    quote_supplement: 'sent a supplementary quote',
    approve_supplement: 'have its supplementary quote approved',
    decline_supplement: 'have its supplementary quote declined',
    pay_supplement: 'have a supplementary quote paid',
    withdraw_supplement: 'have its unpaid supplementary quote withdrawn',
    finish: 'finished',
    confirm: 'confirmed',
    dispute: 'disputed',
    resolve_dispute: 'settled by a dispute resolution',
    close: 'closed',
    cancel: 'cancelled',
  },
  by: { staff: ' by staff', technician: ' by its technician' },
});
