import { DocketError } from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import type { Session } from "./session-types.ts";

/** Shortest signing key accepted (HS256 keys should be long and random). */
export const MIN_SIGNING_KEY_LENGTH = 20;

/** The fixed-ages form of the settings (what the tests and most applications use). */
export interface FixedAgeSessionStoreSettings extends TokenMaxAges {
  signingKey: string;
  tokenMaxAgeResolver?: undefined;
}

export interface TokenMaxAges {
  accessTokenMaxAgeInSeconds: number;
  refreshTokenMaxAgeInSeconds: number;
}

/**
 * `{ signingKey, accessTokenMaxAgeInSeconds, refreshTokenMaxAgeInSeconds }`, or
 * `{ signingKey, tokenMaxAgeResolver }` to pick the ages per session (e.g. longer for
 * "remember me"). The access age must be below the refresh age.
 */
export type SessionStoreSettings =
  | FixedAgeSessionStoreSettings
  | {
      signingKey: string;
      tokenMaxAgeResolver: (session: Session) => TokenMaxAges | Promise<TokenMaxAges>;
      accessTokenMaxAgeInSeconds?: undefined;
      refreshTokenMaxAgeInSeconds?: undefined;
    };

interface Problem {
  field: string;
  expectation: string;
}

/**
 * Checks settings before anything is read or written. Every problem is listed: the
 * error's `field` names them all, comma-separated (`settings.signingKey,
 * settings.refreshTokenMaxAgeInSeconds`), and the message says what each should be. The
 * signing key itself never appears in the message.
 */
export function validateSessionStoreSettings(settings: unknown): SessionStoreSettings {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw invalidArgument("settings", "an object", settings);
  }
  const s = settings as Record<string, unknown>;
  const problems: Problem[] = [];
  if (typeof s.signingKey !== "string" || s.signingKey.length < MIN_SIGNING_KEY_LENGTH) {
    problems.push({
      field: "settings.signingKey",
      expectation: `a string of at least ${MIN_SIGNING_KEY_LENGTH} characters`,
    });
  }
  if (s.tokenMaxAgeResolver !== undefined) {
    if (typeof s.tokenMaxAgeResolver !== "function") {
      problems.push({ field: "settings.tokenMaxAgeResolver", expectation: "a function" });
    }
    for (const key of ["accessTokenMaxAgeInSeconds", "refreshTokenMaxAgeInSeconds"]) {
      if (s[key] !== undefined) {
        problems.push({
          field: `settings.${key}`,
          expectation: "absent when tokenMaxAgeResolver is given",
        });
      }
    }
  } else {
    problems.push(...maxAgeProblems(s, "settings"));
  }
  if (problems.length > 0) throw settingsError(problems);
  return settings as SessionStoreSettings;
}

/** The ages for `session`: the fixed ones, or the resolver's (checked like settings). */
export async function resolveTokenMaxAges(
  settings: SessionStoreSettings,
  session: Session,
): Promise<TokenMaxAges> {
  if (settings.tokenMaxAgeResolver === undefined) return settings;
  const resolved: unknown = await settings.tokenMaxAgeResolver(session);
  if (typeof resolved !== "object" || resolved === null) {
    throw invalidArgument("settings.tokenMaxAgeResolver()", "an object of ages", resolved);
  }
  const problems = maxAgeProblems(resolved as Record<string, unknown>, "tokenMaxAgeResolver()");
  if (problems.length > 0) throw settingsError(problems);
  return resolved as TokenMaxAges;
}

function maxAgeProblems(s: Record<string, unknown>, prefix: string): Problem[] {
  const problems: Problem[] = [];
  const access = s.accessTokenMaxAgeInSeconds;
  const refresh = s.refreshTokenMaxAgeInSeconds;
  const isAge = (value: unknown): value is number =>
    Number.isSafeInteger(value) && (value as number) > 0;
  if (!isAge(access)) {
    problems.push({
      field: `${prefix}.accessTokenMaxAgeInSeconds`,
      expectation: "a positive integer",
    });
  }
  if (!isAge(refresh)) {
    problems.push({
      field: `${prefix}.refreshTokenMaxAgeInSeconds`,
      expectation: "a positive integer",
    });
  }
  if (isAge(access) && isAge(refresh) && access >= refresh) {
    problems.push({
      field: `${prefix}.accessTokenMaxAgeInSeconds`,
      expectation: "smaller than refreshTokenMaxAgeInSeconds",
    });
  }
  return problems;
}

function settingsError(problems: Problem[]): DocketError {
  const message = problems.map((p) => `expected ${p.field} to be ${p.expectation}`).join("; ");
  return new DocketError("invalid_argument", message, {
    field: problems.map((p) => p.field).join(", "),
  });
}
