export type { SessionData } from "./session-data.ts";
export { sessionDataChecksum, sessionDataToJson } from "./session-data.ts";
export { sessionStoreRefreshTokens } from "./session-refresh.ts";
export type {
  FixedAgeSessionStoreSettings,
  SessionStoreSettings,
  TokenMaxAges,
} from "./session-settings.ts";
export { MIN_SIGNING_KEY_LENGTH, validateSessionStoreSettings } from "./session-settings.ts";
export {
  sessionStoreCreate,
  sessionStoreGet,
  sessionStoreInvalidate,
  sessionStoreUpdate,
} from "./session-store.ts";
export { ACCESS_TOKEN_CLAIM, REFRESH_TOKEN_CLAIM } from "./session-tokens.ts";
export type { RequestWithHeaders } from "./session-transport.ts";
export { sessionTransportLoadFromContext } from "./session-transport.ts";
export type { LeakedSessionReport, Session, SessionTokenPair } from "./session-types.ts";
export {
  REFRESH_TOKEN_GRACE_PERIOD_MS,
  SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME,
} from "./session-types.ts";
