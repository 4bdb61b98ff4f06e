'use client';
import Button from '@mui/material/Button';
import type { GridColDef } from '@mui/x-data-grid';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components, operations } from '../../../api/schema';
import { CursorGrid } from '../../../components/cursor-grid';
import { OrderDetail } from '../../../components/orders/order-detail';
import { StaffPage } from '../../../components/page';
import { SearchForm, useSearch } from '../../../components/search-form';
import { istDayEnd, istDayStart } from '../../../lib/dates';
import { istColumn, moneyColumn } from '../../../lib/grid';

type Order = components['schemas']['OrderDto'];
type Query = NonNullable<operations['AdminOrdersController_list']['parameters']['query']>;

const STATUSES = [
  'awaiting_payment',
  'paid',
  'accepted',
  'packed',
  'shipped',
  'delivered',
  'completed',
  'return_requested',
  'disputed',
  'cancelled',
] as const satisfies readonly NonNullable<Query['status']>[];
const PAYMENT_STATUSES = [
  'awaiting_payment',
  'paid',
  'partially_refunded',
  'refunded',
  'cancelled',
  'expired',
] as const satisfies readonly NonNullable<Query['paymentStatus']>[];

export default function OrdersPage() {
  const search = useSearch([
    'status',
    'paymentStatus',
    'buyerType',
    'buyerId',
    'dealerId',
  ] as const);
  const { applied } = search;
  const [openId, setOpenId] = useState<string | null>(null);
  const columns: GridColDef<Order>[] = [
    {
      field: 'open',
      headerName: 'Detail',
      width: 100,
      sortable: false,
      renderCell: ({ row }: { row: Order }) => (
        <Button size="small" onClick={() => setOpenId(row.id)} aria-label={`Open order ${row.id}`}>
          Open
        </Button>
      ),
    },
    { field: 'createdAt', headerName: 'Placed (IST)', width: 210, ...istColumn },
    { field: 'id', headerName: 'Order', width: 300 },
    { field: 'channel', headerName: 'Channel', width: 90 },
    {
      field: 'buyerBusinessName',
      headerName: 'Business buyer',
      width: 170,
      valueFormatter: (v: string | null) => v ?? '—',
    },
    {
      field: 'subOrders',
      headerName: 'Sub-orders',
      flex: 1,
      minWidth: 180,
      valueGetter: (_v: unknown, row: Order) =>
        row.subOrders.map((s) => `${s.dealerName}: ${s.status}`).join(', '),
    },
    { field: 'paymentStatus', headerName: 'Payment', width: 150 },
    { field: 'payablePaise', headerName: 'Payable', width: 140, ...moneyColumn },
    { field: 'refundedPaise', headerName: 'Refunded', width: 130, ...moneyColumn },
  ];
  return (
    <StaffPage title="Orders" route="GET /admin/orders">
      <SearchForm
        search={search}
        fields={[
          { key: 'status', label: 'Sub-order status', options: STATUSES },
          { key: 'paymentStatus', label: 'Payment status', options: PAYMENT_STATUSES },
          { key: 'buyerType', label: 'Buyer', options: ['b2c', 'b2b'] },
          { key: 'buyerId', label: 'Buyer id' },
          { key: 'dealerId', label: 'Dealer id' },
        ]}
      />
      <CursorGrid<Order>
        label="Orders"
        noRows="No orders match."
        queryKey={['orders', applied]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/orders', {
              params: {
                query: {
                  cursor,
                  limit,
                  from: istDayStart(applied.from),
                  to: istDayEnd(applied.to),
                  status: (applied.status || undefined) as Query['status'],
                  paymentStatus: (applied.paymentStatus || undefined) as Query['paymentStatus'],
                  buyerType: (applied.buyerType || undefined) as Query['buyerType'],
                  buyerId: applied.buyerId || undefined,
                  dealerId: applied.dealerId || undefined,
                },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(o) => o.id}
      />
      {openId && <OrderDetail orderId={openId} onClose={() => setOpenId(null)} />}
    </StaffPage>
  );
}
