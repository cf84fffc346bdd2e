// Cronofy's account, profile and userinfo shapes for /v1.
import { Type, type Static } from '@sinclair/typebox';
import { Calendar } from './calendars.js';

export const AccountResponse = Type.Object({
  account: Type.Object({
    account_id: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
    default_tzid: Type.String(),
  }),
});

export const ProfileInfo = Type.Object({
  provider_name: Type.String(),
  profile_id: Type.String(),
  profile_name: Type.String(),
  profile_connected: Type.Boolean(),
  profile_relink_url: Type.Optional(Type.String()),
});
export type ProfileInfo = Static<typeof ProfileInfo>;

export const ProfilesResponse = Type.Object({ profiles: Type.Array(ProfileInfo) });

const ProfileCalendar = Type.Omit(Calendar, ['provider_name', 'profile_id', 'profile_name']);

export const UserInfoResponse = Type.Object({
  sub: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  zoneinfo: Type.String(),
  'cronofy.type': Type.Literal('account'),
  'cronofy.data': Type.Object({
    authorization: Type.Object({ scope: Type.String(), status: Type.String() }),
    profiles: Type.Array(
      Type.Object({
        ...ProfileInfo.properties,
        provider_service: Type.String(),
        profile_initial_sync_required: Type.Boolean(),
        profile_calendars: Type.Array(ProfileCalendar),
      }),
    ),
  }),
});
