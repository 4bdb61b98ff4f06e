'use client';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { CursorGrid } from '../../../components/cursor-grid';
import { ExportPanel } from '../../../components/export-panel';
import { Adjustments } from '../../../components/ledger/adjustments';
import { EntryDetail } from '../../../components/ledger/entry-detail';
import { TrialBalanceView } from '../../../components/ledger/trial-balance-view';
import { StaffPage } from '../../../components/page';
import { SearchForm, useSearch } from '../../../components/search-form';
import { Empty, Loading, QueryState } from '../../../components/states';
import { useAuth } from '../../../components/auth';
import { can } from '../../../lib/access';
import {
  formatIstDateTime,
  istDay,
  istDayEnd,
  istDayStart,
  previousIstDay,
} from '../../../lib/dates';
import { formatPaise } from '../../../lib/money';

/** Charts load after the page (the trial balance itself shows at once). */
const TrialBalanceChart = lazy(() =>
  import('../../../components/ledger/trial-balance-chart').then((m) => ({
    default: m.TrialBalanceChart,
  })),
);

type StatementLine = components['schemas']['LedgerStatementLineDto'];
type Entry = components['schemas']['LedgerEntryDto'];

const moneyColumn = {
  type: 'number',
  align: 'right',
  headerAlign: 'right',
  valueFormatter: (v: number) => formatPaise(v),
} as const;

function TrialBalanceTab() {
  const [day, setDay] = useState(() => previousIstDay(istDay()));
  const [asOfDay, setAsOfDay] = useState(day);
  const query = useQuery({
    queryKey: ['trial-balance', asOfDay],
    queryFn: () =>
      data(api.GET('/ledger/trial-balance', { params: { query: { asOf: istDayEnd(asOfDay) } } })),
  });
  return (
    <>
      <Box
        component="form"
        sx={{ display: 'flex', gap: 2, mb: 2 }}
        onSubmit={(e) => {
          e.preventDefault();
          setAsOfDay(day);
        }}
      >
        <TextField
          label="As of the end of (IST day)"
          type="date"
          value={day}
          onChange={(e) => setDay(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <Button type="submit" variant="contained">
          Show
        </Button>
      </Box>
      <QueryState query={query} label="Computing the trial balance">
        {(tb) => (
          <Box
            sx={{
              display: 'grid',
              gap: 2,
              gridTemplateColumns: { lg: '2fr 1fr' },
              alignItems: 'start',
            }}
          >
            <Paper sx={{ p: 2 }}>
              <TrialBalanceView tb={tb} />
            </Paper>
            <Paper sx={{ p: 2 }}>
              <Suspense fallback={<Loading label="Drawing the chart" />}>
                <TrialBalanceChart tb={tb} />
              </Suspense>
            </Paper>
          </Box>
        )}
      </QueryState>
    </>
  );
}

const statementColumns: GridColDef<StatementLine>[] = [
  { field: 'entrySeq', headerName: 'Seq', width: 80 },
  {
    field: 'effectiveAt',
    headerName: 'Effective (IST)',
    width: 220,
    valueFormatter: (v: string) => formatIstDateTime(v),
  },
  { field: 'eventType', headerName: 'Event', width: 200 },
  { field: 'reference', headerName: 'Reference', flex: 1, minWidth: 160 },
  { field: 'phase', headerName: 'Phase', width: 100 },
  { field: 'side', headerName: 'Side', width: 80 },
  { field: 'amount', headerName: 'Amount', width: 160, ...moneyColumn },
  { field: 'runningBalance', headerName: 'Running balance', width: 180, ...moneyColumn },
];

function StatementTab() {
  const accounts = useQuery({
    queryKey: ['ledger-accounts'],
    queryFn: () => data(api.GET('/ledger/accounts', { params: { query: { limit: 100 } } })),
  });
  const [code, setCode] = useState('');
  return (
    <QueryState query={accounts} label="Loading accounts">
      {(page) =>
        page.items.length === 0 ? (
          <Empty>No ledger accounts yet.</Empty>
        ) : (
          <>
            <TextField
              select
              label="Account"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              sx={{ minWidth: 320, mb: 2 }}
              slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
            >
              <option value="">Choose an account</option>
              {page.items.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} ({formatPaise(a.postedBalance)})
                </option>
              ))}
            </TextField>
            {code && (
              <CursorGrid<StatementLine>
                label={`Statement of ${code}`}
                noRows="No lines on this account."
                queryKey={['statement', code]}
                fetchPage={(cursor, limit) =>
                  data(
                    api.GET('/ledger/accounts/{code}/statement', {
                      params: { path: { code }, query: { cursor, limit } },
                    }),
                  )
                }
                columns={statementColumns}
                getRowId={(l) => `${l.entryId}:${l.lineNo}`}
              />
            )}
          </>
        )
      }
    </QueryState>
  );
}

const entryColumns = (open: (id: string) => void): GridColDef<Entry>[] => [
  {
    field: 'open',
    headerName: 'Detail',
    width: 90,
    sortable: false,
    renderCell: ({ row }: { row: Entry }) => (
      <Button size="small" onClick={() => open(row.id)} aria-label={`Open entry ${row.seq}`}>
        Open
      </Button>
    ),
  },
  { field: 'seq', headerName: 'Seq', width: 80 },
  {
    field: 'effectiveAt',
    headerName: 'Effective (IST)',
    width: 220,
    valueFormatter: (v: string) => formatIstDateTime(v),
  },
  { field: 'eventType', headerName: 'Event', width: 200 },
  { field: 'reference', headerName: 'Reference', flex: 1, minWidth: 160 },
  { field: 'kind', headerName: 'Kind', width: 110 },
  {
    field: 'amount',
    headerName: 'Amount (Σ debits)',
    width: 180,
    ...moneyColumn,
    valueGetter: (_v: unknown, row: Entry) =>
      row.lines.filter((l) => l.side === 'debit').reduce((s, l) => s + l.amount, 0),
  },
  {
    field: 'seal',
    headerName: 'Seal',
    width: 110,
    valueGetter: (_v: unknown, row: Entry) => (row.seal ? `#${row.seal.sealNo}` : 'unsealed'),
  },
  {
    field: 'hash',
    headerName: 'Hash',
    width: 140,
    valueFormatter: (v: string) => `${v.slice(0, 12)}…`,
  },
];

function JournalTab() {
  const search = useSearch(['reference', 'eventType', 'account'] as const);
  const { applied } = search;
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <>
      <SearchForm
        search={search}
        fields={[
          { key: 'reference', label: 'Reference' },
          { key: 'eventType', label: 'Event type' },
          { key: 'account', label: 'Account code' },
        ]}
      />
      <CursorGrid<Entry>
        label="Journal entries"
        noRows="No journal entries match."
        queryKey={['journal', applied]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/ledger/entries', {
              params: {
                query: {
                  cursor,
                  limit,
                  from: istDayStart(applied.from),
                  to: istDayEnd(applied.to),
                  reference: applied.reference || undefined,
                  eventType: applied.eventType || undefined,
                  account: applied.account || undefined,
                },
              },
            }),
          )
        }
        columns={entryColumns(setOpenId)}
        getRowId={(e) => e.id}
      />
      {openId && <EntryDetail entryId={openId} onClose={() => setOpenId(null)} />}
    </>
  );
}

export default function LedgerPage() {
  const { role } = useAuth();
  const [tab, setTab] = useState(0);
  const tabs = [
    { label: 'Trial balance', body: <TrialBalanceTab /> },
    { label: 'Account statement', body: <StatementTab /> },
    { label: 'Journal', body: <JournalTab /> },
    ...(can(role, 'GET /ledger/adjustments')
      ? [{ label: 'Adjustments', body: <Adjustments /> }]
      : []),
    ...(can(role, 'GET /ledger/export')
      ? [{ label: 'Export', body: <ExportPanel path="ledger/export" fileStem="ledger-journal" /> }]
      : []),
  ];
  return (
    <StaffPage title="Ledger" route="GET /ledger/trial-balance">
      <Tabs
        value={tab}
        onChange={(_e, v: number) => setTab(v)}
        sx={{ mb: 2 }}
        aria-label="Ledger views"
      >
        {tabs.map((t, i) => (
          <Tab
            key={t.label}
            label={t.label}
            id={`ledger-tab-${i}`}
            aria-controls={`ledger-panel-${i}`}
          />
        ))}
      </Tabs>
      <div role="tabpanel" id={`ledger-panel-${tab}`} aria-labelledby={`ledger-tab-${tab}`}>
        {tabs[tab]!.body}
      </div>
    </StaffPage>
  );
}
