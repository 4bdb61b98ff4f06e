/**
 * The refresh token on the web: in memory only (nothing a script injected later could read from
 * storage); a reload signs the user out.
 */
let token: string | null = null;

export const tokenStore = {
  load: (): Promise<string | null> => Promise.resolve(token),
  save: (value: string): Promise<void> => {
    token = value;
    return Promise.resolve();
  },
  clear: (): Promise<void> => {
    token = null;
    return Promise.resolve();
  },
};
