/** An instant as the user reads it: Indian date and time (IST), in the app's language. */
export function formatInstant(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'hi' ? 'hi-IN' : 'en-IN', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Kolkata',
  }).format(new Date(iso));
}

/**
 * A time typed as `YYYY-MM-DD HH:MM` in Indian time, as the API takes it (ISO 8601 with +05:30):
 * undefined when nothing was typed, null when it is not such a time.
 */
export function parseIstInput(text: string): string | null | undefined {
  const typed = text.trim();
  if (!typed) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(typed);
  if (!m) return null;
  const iso = `${m[1]}T${m[2]}:00+05:30`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}
