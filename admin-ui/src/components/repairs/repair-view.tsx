import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { components } from '../../api/schema';
import { can, type ApiRoute, type StaffRole } from '../../lib/access';
import { formatIstDateTime } from '../../lib/dates';
import { formatPaise } from '../../lib/money';
import { Facts } from '../facts';
import { TimelineTable } from '../timeline-table';

export type RepairJob = components['schemas']['RepairJobViewDto'];
export type TimelineEntry = components['schemas']['RepairTimelineEntryDto'];
export type RepairAction =
  | 'assign'
  | 'reassign'
  | 'confirm'
  | 'withdraw-supplement'
  | 'cancel'
  | 'cancel-waive'
  | 'refund'
  | 'refund-after-release';

export const ACTION_LABELS: Record<RepairAction, string> = {
  assign: 'Assign',
  reassign: 'Reassign',
  confirm: 'Confirm for the customer',
  'withdraw-supplement': 'Withdraw unpaid supplement',
  cancel: 'Cancel the repair',
  'cancel-waive': 'Cancel, waiving the visit fee',
  refund: 'Refund part at release',
  'refund-after-release': 'Refund after release',
};

const ROUTES: Record<RepairAction, ApiRoute> = {
  assign: 'POST /admin/repairs/{repairJobId}/assign',
  reassign: 'POST /admin/repairs/{repairJobId}/reassign',
  confirm: 'POST /admin/repairs/{repairJobId}/confirm',
  'withdraw-supplement': 'POST /admin/repairs/{repairJobId}/supplements/withdraw',
  cancel: 'POST /admin/repairs/{repairJobId}/cancel',
  'cancel-waive': 'POST /admin/repairs/{repairJobId}/cancel',
  refund: 'POST /admin/repairs/{repairJobId}/refund',
  'refund-after-release': 'POST /admin/repairs/{repairJobId}/refund-after-release',
};

/** Before payment, with a technician: staff may move the job to another technician. */
const REASSIGNABLE: RepairJob['status'][] = [
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
];

/** Cancellable by staff: before payment (nothing moves) or paid and in progress (refunded by policy). */
const CANCELLABLE: RepairJob['status'][] = [
  'matching',
  'awaiting_assignment',
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
  'in_progress',
];

/** The staff actions a role may take on a repair in its present state (the API decides finally). */
export function repairActions(role: StaffRole | null, job: RepairJob): RepairAction[] {
  const actions: RepairAction[] = [];
  if (job.status === 'matching' || job.status === 'awaiting_assignment') actions.push('assign');
  if (REASSIGNABLE.includes(job.status)) actions.push('reassign');
  if (job.status === 'done') actions.push('confirm');
  // Done or confirmed: its escrow is still held (refunded in part at release); closed: released.
  if (job.status === 'done' || job.status === 'confirmed') actions.push('refund');
  if (job.status === 'closed') actions.push('refund-after-release');
  if (
    job.status === 'in_progress' &&
    job.quotes.some((q) => q.supplementary && q.status === 'approved' && !q.paidAt)
  )
    actions.push('withdraw-supplement');
  if (CANCELLABLE.includes(job.status)) {
    actions.push('cancel');
    // A paid visit's fee is kept by default; staff may waive it.
    if (job.status === 'in_progress' && job.visitFeePaise) actions.push('cancel-waive');
  }
  return actions.filter((a) => can(role, ROUTES[a]));
}

const right = { textAlign: 'right', whiteSpace: 'nowrap' } as const;
const ist = (v: string | null) => (v ? formatIstDateTime(v) : undefined);
const money = (v: number | null) => (v === null ? undefined : formatPaise(v));

/** A repair as staff see it: the job and its money, quotes, timeline, and the actions open to the role. */
export function RepairView({
  job,
  timeline,
  role,
  onAction,
}: {
  job: RepairJob;
  timeline: TimelineEntry[] | undefined;
  role: StaffRole | null;
  onAction: (action: RepairAction) => void;
}) {
  return (
    <>
      <Facts
        items={[
          ['Repair', <code key="id">{job.id}</code>],
          ['Status', job.status],
          ['Kind', `${job.kind} (${job.mode})`],
          ['Device', `${job.deviceBrand} ${job.deviceModel}`],
          ['Problem', job.problem],
          ['Customer', <code key="c">{job.customerId}</code>],
          ['Technician', job.technicianId && <code key="t">{job.technicianId}</code>],
          ['Address', job.address],
          [
            'Preferred time',
            job.preferredFrom && `${ist(job.preferredFrom)} – ${ist(job.preferredTo)}`,
          ],
          ['Quoted', money(job.amountPaise)],
          ['Paid', formatPaise(job.paidPaise)],
          ['Due', formatPaise(job.amountDuePaise)],
          ['Visit fee', money(job.visitFeePaise)],
          ['Requested', ist(job.createdAt)],
          ['Assigned', ist(job.assignedAt)],
          ['Paid at', ist(job.paidAt)],
          ['Done', ist(job.doneAt)],
          ['Confirmed', ist(job.confirmedAt)],
          ['Cancelled', ist(job.cancelledAt)],
          ['Open dispute', job.openDisputeId],
        ]}
      />
      <Stack direction="row" spacing={1} sx={{ my: 2 }}>
        {repairActions(role, job).map((a) => (
          <Button
            key={a}
            variant={a === 'assign' || a === 'confirm' ? 'contained' : 'outlined'}
            onClick={() => onAction(a)}
          >
            {ACTION_LABELS[a]}
          </Button>
        ))}
      </Stack>
      <Typography variant="subtitle1" component="h3">
        Quotes
      </Typography>
      {job.quotes.length === 0 ? (
        <Typography sx={{ color: 'text.secondary' }}>No quotes yet.</Typography>
      ) : (
        <Table size="small" aria-label="Quotes">
          <TableHead>
            <TableRow>
              <TableCell>Quoted (IST)</TableCell>
              <TableCell>Work</TableCell>
              <TableCell>Status</TableCell>
              <TableCell sx={right}>Taxable</TableCell>
              <TableCell sx={right}>GST</TableCell>
              <TableCell sx={right}>Total</TableCell>
              <TableCell>Paid</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {job.quotes.map((q) => (
              <TableRow key={q.id}>
                <TableCell>{formatIstDateTime(q.createdAt)}</TableCell>
                <TableCell>
                  {q.supplementary ? 'Supplement: ' : ''}
                  {q.lines
                    .map((l) => `${l.description} ×${l.quantity} @ ${formatPaise(l.unitPaise)}`)
                    .join('; ')}
                </TableCell>
                <TableCell>
                  {q.status}
                  {q.decisionReason ? ` (${q.decisionReason})` : ''}
                </TableCell>
                <TableCell sx={right}>{formatPaise(q.taxablePaise)}</TableCell>
                <TableCell sx={right}>{formatPaise(q.gstPaise)}</TableCell>
                <TableCell sx={right}>{formatPaise(q.totalPaise)}</TableCell>
                <TableCell>{q.paidAt ? formatIstDateTime(q.paidAt) : 'unpaid'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        Timeline
      </Typography>
      {timeline?.length === 0 && (
        <Typography sx={{ color: 'text.secondary' }}>Nothing has happened to it yet.</Typography>
      )}
      {!!timeline?.length && <TimelineTable entries={timeline} label="Repair timeline" />}
    </>
  );
}
