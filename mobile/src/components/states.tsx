import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ActivityIndicator, View } from 'react-native';
import { useTranslation } from 'react-i18next';
import { OFFLINE, toProblem } from '../lib/problem';
import { Body, Button, Card, colors } from './ui';

/** A failure as the user sees it: offline, or the API's problem (its title and `detail`). */
export function ProblemNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const problem = toProblem(error);
  const offline = problem.code === OFFLINE;
  return (
    <Card testID="problem">
      <View role="alert">
        <Body tone="danger">{offline ? t('common.offline') : problem.title}</Body>
        {!offline && problem.detail ? <Body>{problem.detail}</Body> : null}
      </View>
      {onRetry ? <Button kind="secondary" label={t('common.retry')} onPress={onRetry} /> : null}
    </Card>
  );
}

/**
 * A query's four states: loading, error (offline or the problem's detail, with retry), empty (when
 * `isEmpty` says so) and the data.
 */
export function QueryView<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.isPending)
    return <ActivityIndicator accessibilityLabel={t('common.loading')} color={colors.accent} />;
  if (query.isError) return <ProblemNotice error={query.error} onRetry={() => query.refetch()} />;
  if (isEmpty?.(query.data)) return <Body tone="muted">{empty}</Body>;
  return <>{children(query.data)}</>;
}
