'use client';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { api, data } from '../../api/client';
import { useAuth } from '../../components/auth';
import { StaffPage } from '../../components/page';
import { Loading, ProblemAlert, QueryState } from '../../components/states';
import { can, type ApiRoute, type StaffRole } from '../../lib/access';
import { istDay, istDayEnd, istDayStart, previousIstDay } from '../../lib/dates';
import { formatPaise } from '../../lib/money';

const AgingChart = lazy(() =>
  import('../../components/home/aging-chart').then((m) => ({ default: m.AgingChart })),
);
const DailyChart = lazy(() =>
  import('../../components/home/daily-chart').then((m) => ({ default: m.DailyChart })),
);

/** Days in the GMV and commission chart, today included. */
const CHART_DAYS = 14;

/** How many items a first page of up to 100 holds: "100+" when there are more. */
const countOf = (page: { items: unknown[]; nextCursor?: string | null }) =>
  `${page.items.length}${page.nextCursor ? '+' : ''}`;

/** One figure from one API route, shown only to roles the API admits to that route. */
function Kpi({
  role,
  route,
  title,
  queryKey,
  load,
}: {
  role: StaffRole | null;
  route: ApiRoute;
  title: string;
  queryKey: unknown[];
  load: () => Promise<ReactNode>;
}) {
  const query = useQuery({ queryKey, queryFn: load, enabled: can(role, route) });
  if (!can(role, route)) return null;
  return (
    <Card component="section" aria-label={title}>
      <CardContent>
        <Typography variant="body2" color="text.secondary" component="h2">
          {title}
        </Typography>
        {query.error ? (
          <ProblemAlert error={query.error} />
        ) : query.isPending ? (
          <Skeleton width="60%" height={40} />
        ) : (
          <Typography variant="h5" component="p" data-testid={`kpi-${title}`}>
            {query.data}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}

export default function HomePage() {
  const { role } = useAuth();
  const today = istDay();
  const monthStart = `${today.slice(0, 8)}01`;
  const captured = (from: string) => async () => {
    const totals = await data(
      api.GET('/admin/payments/totals', {
        params: { query: { from: istDayStart(from), to: istDayEnd(today) } },
      }),
    );
    return `${formatPaise(totals.totals.capturedPaise)} (${totals.capturedCount} payments)`;
  };
  const days = [today];
  while (days.length < CHART_DAYS) days.unshift(previousIstDay(days[0]!));
  // One period total per IST day (the API's totals, reconciled with the ledger, have no daily series).
  const daily = useQuery({
    queryKey: ['gmv-by-day', today],
    queryFn: () =>
      Promise.all(
        days.map(async (day) => {
          const { totals } = await data(
            api.GET('/admin/payments/totals', {
              params: { query: { from: istDayStart(day), to: istDayEnd(day) } },
            }),
          );
          return {
            day,
            capturedPaise: totals.capturedPaise,
            commissionPaise: totals.commissionPaise,
          };
        }),
      ),
    enabled: can(role, 'GET /admin/payments/totals'),
  });
  const aging = useQuery({
    queryKey: ['escrow-aging'],
    queryFn: () => data(api.GET('/admin/escrow/aging')),
    enabled: can(role, 'GET /admin/escrow/aging'),
  });
  return (
    <StaffPage title="Home" route="GET /me">
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))',
          mb: 3,
        }}
      >
        <Kpi
          role={role}
          route="GET /admin/payments/totals"
          title="GMV today"
          queryKey={['kpi', 'gmv', today]}
          load={captured(today)}
        />
        <Kpi
          role={role}
          route="GET /admin/payments/totals"
          title="GMV month to date"
          queryKey={['kpi', 'gmv', monthStart, today]}
          load={captured(monthStart)}
        />
        <Kpi
          role={role}
          route="GET /admin/escrow/aging"
          title="Escrow held"
          queryKey={['escrow-aging-total']}
          load={async () => {
            const { total } = await data(api.GET('/admin/escrow/aging'));
            return `${formatPaise(total.amountPaise)} (${total.count} holds)`;
          }}
        />
        <Kpi
          role={role}
          route="GET /admin/escrow/releases-due"
          title="Releases due"
          queryKey={['kpi', 'releases-due']}
          load={async () => {
            const due = await data(
              api.GET('/admin/escrow/releases-due', { params: { query: { limit: 1 } } }),
            );
            return `${formatPaise(due.releasable.amountPaise)} (${due.releasable.count})`;
          }}
        />
        <Kpi
          role={role}
          route="GET /admin/payment-alerts"
          title="Stuck payments"
          queryKey={['kpi', 'stuck']}
          load={async () =>
            countOf(
              await data(
                api.GET('/admin/payment-alerts', {
                  params: { query: { kind: 'payment_stuck', state: 'open', limit: 100 } },
                }),
              ),
            )
          }
        />
        <Kpi
          role={role}
          route="GET /admin/payment-alerts"
          title="Open SLA alerts"
          queryKey={['kpi', 'alerts']}
          load={async () =>
            countOf(
              await data(
                api.GET('/admin/payment-alerts', {
                  params: { query: { state: 'open', limit: 100 } },
                }),
              ),
            )
          }
        />
        <Kpi
          role={role}
          route="GET /admin/disputes"
          title="Open disputes"
          queryKey={['kpi', 'disputes']}
          load={async () =>
            countOf(
              await data(
                api.GET('/admin/disputes', {
                  params: { query: { status: ['open', 'responded'], limit: 100 } },
                }),
              ),
            )
          }
        />
        <Kpi
          role={role}
          route="GET /admin/approvals"
          title="Pending approvals"
          queryKey={['kpi', 'approvals']}
          load={async () =>
            countOf(await data(api.GET('/admin/approvals', { params: { query: { limit: 100 } } })))
          }
        />
      </Box>
      {can(role, 'GET /admin/payments/totals') && (
        <Paper
          sx={{ p: 2, mb: 2, maxWidth: 960 }}
          component="section"
          aria-labelledby="daily-title"
        >
          <Typography variant="h6" component="h2" id="daily-title">
            GMV and commission by day (last {CHART_DAYS} days, IST)
          </Typography>
          <QueryState query={daily} label="Loading the daily figures">
            {(d) => (
              <Suspense fallback={<Loading label="Drawing the chart" />}>
                <DailyChart days={d} />
              </Suspense>
            )}
          </QueryState>
        </Paper>
      )}
      {can(role, 'GET /admin/escrow/aging') && (
        <Paper sx={{ p: 2, maxWidth: 720 }}>
          <Typography variant="h6" component="h2">
            Escrow ageing (days since capture)
          </Typography>
          <QueryState query={aging} label="Loading escrow ageing">
            {(a) => (
              <Suspense fallback={<Loading label="Drawing the chart" />}>
                <AgingChart aging={a} />
              </Suspense>
            )}
          </QueryState>
        </Paper>
      )}
    </StaffPage>
  );
}
