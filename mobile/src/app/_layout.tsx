import '../i18n';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Stack } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SessionProvider } from '../auth/session';
import { colors } from '../components/ui';

export default function RootLayout() {
  const { t } = useTranslation();
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 10_000 } } }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <Stack screenOptions={{ headerTintColor: colors.accent, title: t('app.name') }}>
          <Stack.Screen name="(buyer)" options={{ headerShown: false }} />
          <Stack.Screen name="dealer" options={{ headerShown: false }} />
          <Stack.Screen name="technician" options={{ headerShown: false }} />
        </Stack>
      </SessionProvider>
    </QueryClientProvider>
  );
}
