import { Redirect } from 'expo-router';
import { Tabs } from 'expo-router/tabs';
import { ActivityIndicator } from 'react-native';
import { useTranslation } from 'react-i18next';
import { areaOf, useSession, type AppArea } from '../auth/session';
import { colors } from './ui';

/**
 * The tabs of one area of the app, for the accounts that use it (anyone else goes back to the start),
 * once the session is known (no screen asks the API before).
 */
export function AreaTabs({
  area,
  tabs,
}: {
  area: AppArea;
  tabs: { name: string; title: string }[];
}) {
  const { t } = useTranslation();
  const { status, account } = useSession();
  if (status === 'starting')
    return <ActivityIndicator accessibilityLabel={t('common.loading')} color={colors.accent} />;
  if (!account || areaOf(account.role) !== area) return <Redirect href="/" />;
  return (
    <Tabs
      screenOptions={{
        tabBarActiveTintColor: colors.accent,
        tabBarIconStyle: { display: 'none' },
        tabBarLabelStyle: { fontSize: 15 },
      }}
    >
      {tabs.map((tab) => (
        <Tabs.Screen key={tab.name} name={tab.name} options={{ title: t(tab.title) }} />
      ))}
    </Tabs>
  );
}
