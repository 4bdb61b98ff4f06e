import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card } from './ui';

type Preferences = Schemas['NotificationPreferencesDto'];
type Category = keyof Preferences;

/**
 * Whether this device gets pushes (its token registered, the permission refused, not available,
 * or the web), and which push notifications the account gets, each category turned on or off (the
 * API keeps the others as they are); job offers only for technicians.
 */
export function NotificationSettings({ technician }: { technician: boolean }) {
  const { t } = useTranslation();
  const { push } = useSession();
  const queryClient = useQueryClient();
  const preferences = useQuery({
    queryKey: ['notification-preferences'],
    queryFn: () => data(api.GET('/me/notification-preferences')),
  });
  const change = useMutation({
    mutationFn: (body: Partial<Preferences>) =>
      data(api.PUT('/me/notification-preferences', { body })),
    onSuccess: (saved) => queryClient.setQueryData(['notification-preferences'], saved),
  });
  const categories: Category[] = [
    'messages',
    'calls',
    ...(technician ? (['jobOffers'] as const) : []),
    'orders',
    'payments',
  ];
  return (
    <Card testID="notifications">
      <Body tone="muted">{t('notifications.title')}</Body>
      <Body tone={push === 'on' ? 'ok' : 'muted'} testID="push-state">
        {t(`notifications.push.${push}`)}
      </Body>
      <QueryView query={preferences}>
        {(p) => (
          <>
            {categories.map((c) => (
              <Button
                key={c}
                kind={p[c] ? 'primary' : 'secondary'}
                label={t(`notifications.${p[c] ? 'on' : 'off'}`, {
                  category: t(`notifications.category.${c}`),
                })}
                disabled={change.isPending}
                onPress={() => change.mutate({ [c]: !p[c] })}
              />
            ))}
          </>
        )}
      </QueryView>
      {change.isError ? <ProblemNotice error={change.error} /> : null}
    </Card>
  );
}
