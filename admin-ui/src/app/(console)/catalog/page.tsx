'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import { useAuth } from '../../../components/auth';
import {
  LISTING_ACTIONS,
  listingActions,
  type Listing,
  type ListingAction,
} from '../../../components/catalog/listing-actions';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { istColumn, moneyColumn } from '../../../lib/grid';
import { formatPaise } from '../../../lib/money';

/** The moderation queues, each one filter of `GET /admin/listings`. */
const QUEUES = {
  first: { label: 'First listings (in review)', query: { status: 'in_review' } },
  price: { label: 'Held price changes', query: { heldPrice: true } },
  duplicates: { label: 'Near-duplicates', query: { duplicate: true } },
  active: { label: 'Live listings', query: { status: 'active' } },
  paused: { label: 'Paused', query: { status: 'paused' } },
  removed: { label: 'Removed', query: { status: 'removed' } },
  all: { label: 'All listings', query: {} },
} as const;
type Queue = keyof typeof QUEUES;

function call(action: ListingAction, listingId: string, reason: string) {
  const path = { listingId };
  const required = { params: { path }, body: { reason } };
  const optional = { params: { path }, body: reason ? { reason } : {} };
  switch (action) {
    case 'approve':
      return api.POST('/admin/listings/{listingId}/approve', optional);
    case 'price-approve':
      return api.POST('/admin/listings/{listingId}/price/approve', optional);
    case 'reject':
      return api.POST('/admin/listings/{listingId}/reject', required);
    case 'price-reject':
      return api.POST('/admin/listings/{listingId}/price/reject', required);
    case 'pause':
      return api.POST('/admin/listings/{listingId}/pause', required);
    case 'reinstate':
      return api.POST('/admin/listings/{listingId}/reinstate', required);
    case 'remove':
      return api.POST('/admin/listings/{listingId}/remove', required);
  }
}

export default function CatalogPage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [queue, setQueue] = useState<Queue>('first');
  const [dealerId, setDealerId] = useState('');
  const [acting, setActing] = useState<{ listing: Listing; action: ListingAction } | null>(null);
  const columns: GridColDef<Listing>[] = [
    {
      field: 'actions',
      headerName: 'Actions',
      width: 330,
      sortable: false,
      renderCell: ({ row }: { row: Listing }) => (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
          {listingActions(role, row).map((action) => (
            <Button
              key={action}
              size="small"
              variant={action.endsWith('approve') ? 'contained' : 'outlined'}
              onClick={() => setActing({ listing: row, action })}
            >
              {LISTING_ACTIONS[action].label}
            </Button>
          ))}
        </Stack>
      ),
    },
    { field: 'name', headerName: 'Listing', flex: 1, minWidth: 200 },
    { field: 'brand', headerName: 'Brand', width: 110 },
    { field: 'sku', headerName: 'SKU', width: 130 },
    {
      field: 'status',
      headerName: 'Status',
      width: 130,
      valueGetter: (_v: unknown, l: Listing) =>
        l.status === 'paused' ? `paused (${l.pausedBy})` : l.status.replaceAll('_', ' '),
    },
    { field: 'b2cPricePaise', headerName: 'B2C price', width: 130, ...moneyColumn },
    {
      field: 'heldPrice',
      headerName: 'Held B2C price',
      width: 140,
      align: 'right',
      headerAlign: 'right',
      valueGetter: (_v: unknown, l: Listing) =>
        l.pendingPrice ? formatPaise(l.pendingPrice.b2cPricePaise) : '',
    },
    { field: 'mrpPaise', headerName: 'MRP', width: 130, ...moneyColumn },
    { field: 'duplicateOf', headerName: 'Duplicate of', width: 150 },
    { field: 'stockAvailable', headerName: 'Stock', width: 80, type: 'number' },
    { field: 'dealerId', headerName: 'Dealer', width: 140 },
    { field: 'statusReason', headerName: 'Reason', width: 180 },
    { field: 'updatedAt', headerName: 'Updated (IST)', width: 200, ...istColumn },
  ];
  const spec = acting && LISTING_ACTIONS[acting.action];
  return (
    <StaffPage title="Catalog moderation" route="GET /admin/listings">
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <TextField
          select
          label="Queue"
          value={queue}
          onChange={(e) => setQueue(e.target.value as Queue)}
          sx={{ minWidth: 260 }}
        >
          {Object.entries(QUEUES).map(([key, q]) => (
            <MenuItem key={key} value={key}>
              {q.label}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          label="Dealer id"
          value={dealerId}
          onChange={(e) => setDealerId(e.target.value)}
          sx={{ minWidth: 320 }}
        />
      </Stack>
      <CursorGrid<Listing>
        label="Listings"
        noRows="No listings in this queue."
        queryKey={['listings', queue, dealerId.trim()]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/listings', {
              params: {
                query: {
                  cursor,
                  limit,
                  ...QUEUES[queue].query,
                  dealerId: dealerId.trim() || undefined,
                },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(l) => l.id}
      />
      {acting && spec && (
        <ReasonDialog
          title={`${spec.label}: ${acting.listing.name}`}
          detail={
            acting.action.startsWith('price') && acting.listing.pendingPrice
              ? `${spec.detail} B2C ${formatPaise(acting.listing.b2cPricePaise)} → ${formatPaise(acting.listing.pendingPrice.b2cPricePaise)}, MRP ${formatPaise(acting.listing.pendingPrice.mrpPaise)}.`
              : spec.detail
          }
          label={
            spec.reasonRequired
              ? 'Reason (kept on the listing’s history and in the audit log)'
              : 'Note (optional; kept in the audit log)'
          }
          field="reason"
          minLength={spec.reasonRequired ? 3 : 0}
          maxLength={1000}
          action={spec.label}
          submit={async (reason) => {
            await data<unknown>(call(acting.action, acting.listing.id, reason));
            await queries.invalidateQueries({ queryKey: ['listings'] });
          }}
          onClose={() => setActing(null)}
        />
      )}
    </StaffPage>
  );
}
