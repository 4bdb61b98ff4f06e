'use client';
import type {
  DataGridProps,
  GridColDef,
  GridPaginationModel,
  GridValidRowModel,
} from '@mui/x-data-grid';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Loading, ProblemAlert } from './states';

/**
 * The Data Grid is the console's largest script: loaded when a grid is first shown, not with the page
 * (React's `lazy`, not `next/dynamic`, which would have the page preload it).
 */
const DataGrid = lazy(() =>
  import('@mui/x-data-grid').then((m) => ({ default: m.DataGrid })),
) as unknown as <Row extends GridValidRowModel>(props: DataGridProps<Row>) => React.ReactNode;

export interface CursorPage<Row> {
  items: Row[];
  nextCursor?: string;
}

/**
 * A Data Grid over one of the API's keyset lists: pages are fetched by the server with the opaque
 * `cursor` of the page before (remembered per page, so going back is a cache hit), `limit` is the page
 * size; the grid knows only whether a next page exists. Its toolbar exports the page shown as CSV.
 */
export function CursorGrid<Row extends GridValidRowModel>({
  queryKey,
  fetchPage,
  columns,
  getRowId,
  label,
  noRows,
  refetchWhile,
}: {
  queryKey: readonly unknown[];
  fetchPage: (cursor: string | undefined, limit: number) => Promise<CursorPage<Row>>;
  columns: GridColDef<Row>[];
  getRowId: (row: Row) => string;
  label: string;
  noRows: string;
  /** Polls the page (every 2 s) while this holds of it, e.g. while a run on it is still queued. */
  refetchWhile?: (page: CursorPage<Row>) => boolean;
}) {
  const [model, setModel] = useState<GridPaginationModel>({ page: 0, pageSize: 20 });
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[model.page];
  const query = useQuery({
    queryKey: [...queryKey, model.pageSize, cursor ?? ''],
    queryFn: async () => {
      const page = await fetchPage(cursor, model.pageSize);
      setCursors((known) => {
        const next = known.slice(0, model.page + 1);
        next[model.page + 1] = page.nextCursor;
        return next;
      });
      return page;
    },
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data && refetchWhile?.(q.state.data) ? 2000 : false),
  });
  if (query.error) return <ProblemAlert error={query.error} />;
  return (
    <Suspense fallback={<Loading label="Loading the table" />}>
      <DataGrid<Row>
        aria-label={label}
        label={label}
        rows={query.data?.items ?? []}
        columns={columns}
        getRowId={getRowId}
        loading={query.isFetching}
        paginationMode="server"
        // Unknown until the last page is reached (keyset lists have no count).
        rowCount={
          query.data && !query.data.nextCursor
            ? model.page * model.pageSize + query.data.items.length
            : -1
        }
        paginationMeta={{ hasNextPage: !!query.data?.nextCursor }}
        paginationModel={model}
        pageSizeOptions={[20, 50, 100]}
        onPaginationModelChange={(next) => {
          if (next.pageSize !== model.pageSize) {
            setCursors([undefined]);
            setModel({ page: 0, pageSize: next.pageSize });
          } else setModel(next);
        }}
        disableColumnFilter
        sortingMode="server"
        disableColumnSorting
        showToolbar
        localeText={{ noRowsLabel: noRows }}
        autoHeight
        density="compact"
      />
    </Suspense>
  );
}
