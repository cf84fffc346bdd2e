// The Google provider: OAuth through openid-client, calendars and events through Calendar API v3.
import type { ProviderFactory } from '../contract.js';
import { googleApi } from './api-client.js';
import { googleCalendars } from './calendar-api.js';
import { googleEvents } from './events-api.js';
import { googleOAuth } from './oauth.js';
import { googleSettingsDoc, readGoogleSettings } from './settings.js';

export const google: ProviderFactory = {
  name: 'google',
  settings: googleSettingsDoc,
  create(env, context) {
    const settings = readGoogleSettings(env);
    if (!settings) return undefined;
    const api = googleApi(settings.apiUrl, context.fetch);
    const events = googleEvents(api);
    return {
      name: 'google',
      displayName: 'Google',
      // Google's authorization endpoint lives on the issuer's origin (accounts.google.com).
      signInOrigin: settings.issuer.origin,
      oauth: googleOAuth(settings, context.fetch),
      calendars: googleCalendars(api),
      events,
      freeBusy: events,
    };
  },
};
