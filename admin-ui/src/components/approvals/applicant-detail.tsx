'use client';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { api, data } from '../../api/client';
import type { components } from '../../api/schema';
import { formatIstDateTime } from '../../lib/dates';
import { Facts } from '../facts';
import { Empty, QueryState } from '../states';
import { TimelineTable, type TimelineEntry } from '../timeline-table';
import { KycDocuments } from './kyc-documents';

export type AccountDetail = components['schemas']['AccountDetailDto'];
type StatusChange = AccountDetail['history'][number];

const EVENTS: Record<StatusChange['toStatus'], string> = {
  pending: 'Applied',
  approved: 'Approved',
  suspended: 'Suspended',
  blocked: 'Blocked',
};

/** A status change as a timeline row; one an ops leader forced past the policy says so. */
const timelineEntry = (c: StatusChange): TimelineEntry => ({
  at: c.at,
  event: c.override ? `${EVENTS[c.toStatus]} (ops-leader override)` : EVENTS[c.toStatus],
  fromStatus: c.fromStatus,
  toStatus: c.toStatus,
  // No actor: the applicant's own sign-up (the first row), else the platform itself.
  by: c.actorId ?? (c.fromStatus === null ? 'the applicant' : 'the platform'),
  reason: c.reason,
});

/** An applicant's record as staff check it: who they are, and every status change with its reason. */
export function ApplicantView({ account }: { account: AccountDetail }) {
  return (
    <>
      <Facts
        items={[
          [
            'Kind',
            account.technicianKind ? `${account.role} (${account.technicianKind})` : account.role,
          ],
          ['Status', account.status],
          ['Name', account.displayName],
          ['Business', account.businessName],
          ['GSTIN', account.gstin],
          ['PAN', account.pan],
          ['Email', account.email],
          ['Phone', account.phone],
          ['Applied (IST)', formatIstDateTime(account.createdAt)],
          ...(account.gstinDuplicateOf
            ? ([['GSTIN first used by', account.gstinDuplicateOf]] as [string, string][])
            : []),
        ]}
      />
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        Status history
      </Typography>
      {account.history.length === 0 ? (
        <Empty>No status change recorded.</Empty>
      ) : (
        <TimelineTable entries={account.history.map(timelineEntry)} label="Status history" />
      )}
    </>
  );
}

/** One applicant opened from the queue: their record and history, and (by role) their KYC documents. */
export function ApplicantDetail({
  userId,
  name,
  readsDocuments,
  onClose,
}: {
  userId: string;
  name: string;
  readsDocuments: boolean;
  onClose: () => void;
}) {
  const account = useQuery({
    queryKey: ['approvals', 'detail', userId],
    queryFn: () => data(api.GET('/admin/users/{id}', { params: { path: { id: userId } } })),
  });
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="applicant-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="applicant-title">
          Applicant detail: {name}
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={account} label="Loading the applicant">
        {(a) => <ApplicantView account={a} />}
      </QueryState>
      {readsDocuments && <KycDocuments userId={userId} name={name} />}
    </Paper>
  );
}
