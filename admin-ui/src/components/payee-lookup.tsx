'use client';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import type { components } from '../api/schema';
import { can } from '../lib/access';
import { formatIstDateTime } from '../lib/dates';
import { useAuth } from './auth';
import { Facts } from './facts';
import { ReasonDialog } from './reason-dialog';
import { Empty, QueryState } from './states';

type Details = components['schemas']['SettlementDetailsDto'];

function DetailsFacts({ details }: { details: Details }) {
  return (
    <Facts
      items={[
        ['Review', details.reviewStatus],
        ['Beneficiary', details.beneficiaryName],
        ['Account', details.accountNumber],
        ['IFSC', details.ifsc],
        ['PAN', details.pan],
        ['GSTIN', details.gstin],
        ['Business type', details.businessType],
        ['Submitted', formatIstDateTime(details.submittedAt)],
        ['Reviewed', details.reviewedAt && formatIstDateTime(details.reviewedAt)],
        ['Review reason', details.reviewReason],
      ]}
    />
  );
}

/**
 * A payee (dealer or technician) by id (typed, or `initialId` when opened from the review queue): the settlement details on file, a change waiting for review
 * (approve, which starts Route onboarding, or reject with a reason) and its Route account's state.
 */
export function PayeeLookup({ initialId = '' }: { initialId?: string }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [typed, setTyped] = useState(initialId);
  const [payeeId, setPayeeId] = useState(initialId);
  const [acting, setActing] = useState<'approve' | 'reject' | null>(null);
  const payee = useQuery({
    queryKey: ['payees', payeeId],
    queryFn: () => data(api.GET('/admin/payees/{id}', { params: { path: { id: payeeId } } })),
    enabled: !!payeeId,
  });
  const mayReview = can(role, 'POST /admin/payees/{id}/settlement-details/approve');
  return (
    <>
      <Box
        component="form"
        sx={{ display: 'flex', gap: 2, mb: 2 }}
        onSubmit={(e) => {
          e.preventDefault();
          setPayeeId(typed.trim());
        }}
      >
        <TextField
          label="Payee id (dealer or technician)"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          sx={{ minWidth: 360 }}
        />
        <Button type="submit" variant="contained" disabled={!typed.trim()}>
          Look up
        </Button>
      </Box>
      {payeeId && (
        <QueryState query={payee} label="Loading the payee">
          {(p) => (
            <div data-testid="payee">
              <Typography variant="subtitle1" component="h3">
                {p.payeeKind} <code>{p.payeeId}</code>
              </Typography>
              <Typography variant="subtitle2" component="h4" sx={{ mt: 2 }}>
                Settlement details on file
              </Typography>
              {p.settlementDetails ? (
                <DetailsFacts details={p.settlementDetails} />
              ) : (
                <Empty>No approved settlement details.</Empty>
              )}
              <Typography variant="subtitle2" component="h4" sx={{ mt: 2 }}>
                Change waiting for review
              </Typography>
              {p.pendingChange ? (
                <>
                  <DetailsFacts details={p.pendingChange} />
                  {mayReview && (
                    <Stack direction="row" spacing={1}>
                      <Button variant="contained" onClick={() => setActing('approve')}>
                        Approve details
                      </Button>
                      <Button variant="outlined" onClick={() => setActing('reject')}>
                        Reject details
                      </Button>
                    </Stack>
                  )}
                </>
              ) : (
                <Empty>Nothing waiting for review.</Empty>
              )}
              <Typography variant="subtitle2" component="h4" sx={{ mt: 2 }}>
                Route account
              </Typography>
              {p.routeAccount ? (
                <Facts
                  items={[
                    ['Onboarding', p.routeAccount.status],
                    ['Activation', p.routeAccount.activationStatus],
                    ['Last error', p.routeAccount.lastError],
                  ]}
                />
              ) : (
                <Empty>Not onboarded to Route yet.</Empty>
              )}
            </div>
          )}
        </QueryState>
      )}
      {acting && (
        <ReasonDialog
          title={
            acting === 'approve'
              ? 'Approve the settlement details'
              : 'Reject the settlement details'
          }
          detail={
            acting === 'approve'
              ? 'Approved details replace the ones on file and start (or update) the payee’s Route onboarding.'
              : 'The payee keeps the details on file and is told why.'
          }
          label="Reason (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action={acting === 'approve' ? 'Approve' : 'Reject'}
          submit={async (reason) => {
            const call = { params: { path: { id: payeeId } }, body: { reason } };
            await data(
              acting === 'approve'
                ? api.POST('/admin/payees/{id}/settlement-details/approve', call)
                : api.POST('/admin/payees/{id}/settlement-details/reject', call),
            );
            await queries.invalidateQueries({ queryKey: ['payees'] });
            await queries.invalidateQueries({ queryKey: ['payee-reviews'] });
          }}
          onClose={() => setActing(null)}
        />
      )}
    </>
  );
}
