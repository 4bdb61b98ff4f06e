import { Redirect } from 'expo-router';
import { Tabs } from 'expo-router/tabs';
import { useTranslation } from 'react-i18next';
import { areaOf, useSession, type AppArea } from '../auth/session';
import { colors } from './ui';

/** The tabs of one area of the app, for the accounts that use it (anyone else goes back to the start). */
export function AreaTabs({
  area,
  tabs,
}: {
  area: AppArea;
  tabs: { name: string; title: string }[];
}) {
  const { t } = useTranslation();
  const { status, account } = useSession();
  if (status !== 'starting' && (!account || areaOf(account.role) !== area))
    return <Redirect href="/" />;
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
