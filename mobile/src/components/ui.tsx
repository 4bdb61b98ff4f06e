/**
 * The app's building blocks, in one place so every screen looks and reads the same (a clean service
 * UI: white cards on a light page, one accent colour). Labels double as accessibility labels, which
 * is how the component and browser tests find fields and buttons.
 */
import type { ReactNode } from 'react';
import { Pressable, ScrollView, StyleSheet, Text, TextInput, View } from 'react-native';
import type { TextInputProps } from 'react-native';

export const colors = {
  accent: '#5b3cc4',
  text: '#1c1c28',
  muted: '#5d5d6e',
  page: '#f4f4f8',
  card: '#ffffff',
  danger: '#b3261e',
  warning: '#8a5a00',
  ok: '#1b6e3a',
  line: '#e2e2ea',
};

export function Screen({ children }: { children: ReactNode }) {
  return (
    <ScrollView style={styles.page} contentContainerStyle={styles.pageContent}>
      {children}
    </ScrollView>
  );
}

export function Card({ children, testID }: { children: ReactNode; testID?: string }) {
  return (
    <View style={styles.card} testID={testID}>
      {children}
    </View>
  );
}

export function Title({ children }: { children: ReactNode }) {
  return (
    <Text style={styles.title} role="heading">
      {children}
    </Text>
  );
}

export function Body({
  children,
  tone = 'text',
  testID,
}: {
  children: ReactNode;
  tone?: 'text' | 'muted' | 'danger' | 'warning' | 'ok';
  testID?: string;
}) {
  return (
    <Text style={[styles.body, { color: colors[tone] }]} testID={testID}>
      {children}
    </Text>
  );
}

export function Button({
  label,
  onPress,
  disabled = false,
  kind = 'primary',
}: {
  label: string;
  onPress: () => void;
  disabled?: boolean;
  kind?: 'primary' | 'secondary';
}) {
  return (
    <Pressable
      role="button"
      accessibilityLabel={label}
      accessibilityState={{ disabled }}
      disabled={disabled}
      onPress={onPress}
      style={[styles.button, kind === 'secondary' && styles.secondary, disabled && styles.disabled]}
    >
      <Text style={[styles.buttonText, kind === 'secondary' && styles.secondaryText]}>{label}</Text>
    </Pressable>
  );
}

/** A labelled text field; `error` (what a 400 said about it) highlights it and says why. */
export function Field({
  label,
  error,
  ...input
}: { label: string; error?: string } & Pick<
  TextInputProps,
  | 'value'
  | 'onChangeText'
  | 'secureTextEntry'
  | 'keyboardType'
  | 'autoCapitalize'
  | 'onSubmitEditing'
  | 'multiline'
>) {
  return (
    <View style={styles.field}>
      <Text style={[styles.label, error ? { color: colors.danger } : null]}>{label}</Text>
      <TextInput
        accessibilityLabel={label}
        style={[styles.input, error ? styles.invalid : null]}
        autoCorrect={false}
        {...input}
      />
      {error ? (
        <Text style={[styles.label, { color: colors.danger }]} testID={`error-${label}`}>
          {error}
        </Text>
      ) : null}
    </View>
  );
}

export function Row({ children }: { children: ReactNode }) {
  return <View style={styles.row}>{children}</View>;
}

const styles = StyleSheet.create({
  page: { flex: 1, backgroundColor: colors.page },
  pageContent: { padding: 16, gap: 12, maxWidth: 720, width: '100%', alignSelf: 'center' },
  card: {
    backgroundColor: colors.card,
    borderRadius: 12,
    padding: 14,
    gap: 6,
    borderWidth: 1,
    borderColor: colors.line,
  },
  title: { fontSize: 18, fontWeight: '600', color: colors.text },
  body: { fontSize: 15, lineHeight: 21 },
  button: {
    backgroundColor: colors.accent,
    borderRadius: 10,
    paddingVertical: 12,
    paddingHorizontal: 16,
    alignItems: 'center',
  },
  secondary: { backgroundColor: colors.card, borderWidth: 1, borderColor: colors.accent },
  disabled: { opacity: 0.45 },
  buttonText: { color: '#ffffff', fontSize: 16, fontWeight: '600' },
  secondaryText: { color: colors.accent },
  field: { gap: 4 },
  label: { fontSize: 13, color: colors.muted },
  input: {
    borderWidth: 1,
    borderColor: colors.line,
    borderRadius: 8,
    paddingHorizontal: 12,
    paddingVertical: 10,
    fontSize: 16,
    backgroundColor: colors.card,
    color: colors.text,
  },
  invalid: { borderColor: colors.danger, borderWidth: 2 },
  row: { flexDirection: 'row', gap: 8, alignItems: 'center', flexWrap: 'wrap' },
});
