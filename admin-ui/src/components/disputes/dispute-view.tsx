import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { components } from '../../api/schema';
import { can, type StaffRole } from '../../lib/access';
import { formatIstDateTime } from '../../lib/dates';
import { formatPaise } from '../../lib/money';
import { Facts } from '../facts';

export type Dispute = components['schemas']['DisputeDto'];
export type DisputeOutcome = components['schemas']['ResolveDisputeDto']['outcome'];

export const OUTCOME_LABELS: Record<DisputeOutcome, string> = {
  release: 'Reject (release to the seller)',
  partial_refund: 'Refund part',
  full_refund: 'Refund in full',
};

/** The outcomes a role may decide on a dispute: any, until it is resolved (the API decides finally). */
export function disputeOutcomes(role: StaffRole | null, dispute: Dispute): DisputeOutcome[] {
  if (dispute.status === 'resolved' || !can(role, 'POST /admin/disputes/{id}/resolve')) return [];
  return ['release', 'partial_refund', 'full_refund'];
}

const ist = (v: string | null) => (v ? formatIstDateTime(v) : undefined);

/** A dispute as staff see it: its subject and parties, what each side said, and its outcome. */
export function DisputeView({
  dispute,
  role,
  onResolve,
}: {
  dispute: Dispute;
  role: StaffRole | null;
  onResolve: (outcome: DisputeOutcome) => void;
}) {
  const repair = dispute.repairJobId !== null;
  const messages: [who: string, text: string | null][] = [
    [repair ? 'Customer' : 'Buyer', repair ? dispute.description : dispute.reason],
    [
      repair ? 'Technician' : 'Dealer',
      repair ? dispute.technicianResponse : dispute.dealerResponse,
    ],
    ['Staff', dispute.resolutionReason],
  ];
  return (
    <>
      <Facts
        items={[
          ['Status', dispute.status],
          ['Kind', `${repair ? 'repair' : 'part'} ${dispute.kind}`],
          [
            repair ? 'Repair job' : 'Order / sub-order',
            repair ? dispute.repairJobId : `${dispute.orderId} / ${dispute.subOrderId}`,
          ],
          [repair ? 'Customer' : 'Buyer', dispute.buyerId],
          [repair ? 'Technician' : 'Dealer', repair ? dispute.technicianId : dispute.dealerId],
          ['Reason', dispute.reason],
          ['Opened (IST)', ist(dispute.createdAt)],
          ['Answered (IST)', ist(dispute.respondedAt)],
          ['Resolution', dispute.resolution?.replaceAll('_', ' ')],
          ['Refunded', dispute.refundPaise === null ? undefined : formatPaise(dispute.refundPaise)],
          ['Resolved by', dispute.resolvedBy],
          ['Resolved (IST)', ist(dispute.resolvedAt)],
        ]}
      />
      <Stack direction="row" spacing={1} sx={{ my: 2 }}>
        {disputeOutcomes(role, dispute).map((o) => (
          <Button
            key={o}
            variant={o === 'release' ? 'outlined' : 'contained'}
            onClick={() => onResolve(o)}
          >
            {OUTCOME_LABELS[o]}
          </Button>
        ))}
      </Stack>
      <Typography variant="subtitle1" component="h3">
        Messages
      </Typography>
      <Stack component="ul" spacing={1} sx={{ pl: 0, listStyle: 'none' }}>
        {messages
          .filter(([, text]) => text)
          .map(([who, text]) => (
            <li key={who}>
              <Typography variant="caption" sx={{ color: 'text.secondary' }}>
                {who}
              </Typography>
              <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
                {text}
              </Typography>
            </li>
          ))}
      </Stack>
    </>
  );
}
