import { DocketError } from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import { errors, jwtVerify, SignJWT } from "jose";

/** The one claim next to `exp`: which file the token opens. */
const FILE_CLAIM = "fileId";

function keyOf(signingKey: unknown): Uint8Array {
  if (typeof signingKey !== "string" || signingKey.length < 20) {
    throw invalidArgument("signingKey", "a string of at least 20 characters", signingKey);
  }
  return new TextEncoder().encode(signingKey);
}

/** An HS256 JWT (made with jose) that opens `fileId` for `maxAgeInSeconds`. */
export async function fileSignAccessToken(options: {
  fileId: string;
  signingKey: string;
  maxAgeInSeconds: number;
}): Promise<string> {
  if (typeof options?.fileId !== "string" || options.fileId.length === 0) {
    throw invalidArgument("fileId", "a file id", options?.fileId);
  }
  const key = keyOf(options.signingKey);
  if (!Number.isSafeInteger(options.maxAgeInSeconds) || options.maxAgeInSeconds < 1) {
    throw invalidArgument("maxAgeInSeconds", "a positive integer", options.maxAgeInSeconds);
  }
  return new SignJWT({ [FILE_CLAIM]: options.fileId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.maxAgeInSeconds)
    .sign(key);
}

/**
 * Checks the token's signature (jose, HS256 only) and expiry and that it was made for
 * `expectedFileId`. Errors: `file_token_expired`, `file_token_invalid` (bad signature,
 * malformed, or another file's token); field `fileAccessToken`.
 */
export async function fileVerifyAccessToken(options: {
  fileAccessToken: string;
  signingKey: string;
  expectedFileId: string;
}): Promise<void> {
  const key = keyOf(options?.signingKey);
  if (typeof options.expectedFileId !== "string" || options.expectedFileId.length === 0) {
    throw invalidArgument("expectedFileId", "a file id", options.expectedFileId);
  }
  if (typeof options.fileAccessToken !== "string" || options.fileAccessToken.length === 0) {
    throw new DocketError("file_token_invalid", "missing file access token", {
      field: "fileAccessToken",
    });
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(options.fileAccessToken, key, { algorithms: ["HS256"] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new DocketError("file_token_expired", "the file access token has expired", {
        field: "fileAccessToken",
        cause: error,
      });
    }
    throw new DocketError("file_token_invalid", "the file access token is not valid", {
      field: "fileAccessToken",
      cause: error,
    });
  }
  if (payload.exp === undefined || payload[FILE_CLAIM] !== options.expectedFileId) {
    throw new DocketError("file_token_invalid", "the file access token is for another file", {
      field: "fileAccessToken",
    });
  }
}
