// The Google provider: OAuth through openid-client, calendars through Calendar API v3.
import type { ProviderFactory } from '../contract.js';
import { googleCalendarApi } from './calendar-api.js';
import { googleOAuth } from './oauth.js';
import { googleSettingsDoc, readGoogleSettings } from './settings.js';

export const google: ProviderFactory = {
  name: 'google',
  settings: googleSettingsDoc,
  create(env) {
    const settings = readGoogleSettings(env);
    if (!settings) return undefined;
    return {
      name: 'google',
      displayName: 'Google',
      oauth: googleOAuth(settings),
      calendars: googleCalendarApi(settings.apiUrl),
    };
  },
};
