import { DocketError } from "@docket/core";
import { describe, expect, it } from "vitest";
import {
  isConnectionError,
  isTransientError,
  isUnsupportedStatement,
  toDocketError,
  wasNeverSent,
} from "../src/mysql-errors.ts";

/** Error objects shaped like mysql2's (`code`, `errno`, `fatal`, `sqlMessage`). */
function driverError(fields: Record<string, unknown>, message = "boom"): Error {
  return Object.assign(new Error(message), fields);
}

describe("mysql error mapping", () => {
  it("marks deadlocks and lock wait timeouts as retryable database errors", () => {
    for (const errno of [1213, 1205]) {
      const cause = driverError({ errno, code: "ER_LOCK", sqlMessage: "locked" });
      expect(isTransientError(cause)).toBe(true);
      const mapped = toDocketError(cause, "claiming jobs");
      expect(mapped).toMatchObject({ code: "database_error", retryable: true, cause });
      expect(mapped.message).toBe("mysql: claiming jobs failed: locked [ER_LOCK]");
    }
  });

  it("maps dropped and refused connections to retryable connection errors", () => {
    const cases = [
      driverError({ code: "PROTOCOL_CONNECTION_LOST", fatal: true }),
      driverError({ code: "ECONNREFUSED", errno: -111, fatal: true }),
      driverError({ code: "ECONNRESET" }),
      driverError({ errno: 2006 }),
      driverError({ errno: 2013 }),
      driverError({ errno: 1053, code: "ER_SERVER_SHUTDOWN" }),
      driverError({ errno: 1927, code: "ER_CONNECTION_KILLED" }),
      driverError({ fatal: true }, "Can't add new command when connection is in closed state"),
    ];
    for (const cause of cases) {
      expect(isConnectionError(cause)).toBe(true);
      expect(toDocketError(cause, "x")).toMatchObject({
        code: "connection_error",
        retryable: true,
      });
    }
    expect(wasNeverSent(cases[7])).toBe(true);
    expect(wasNeverSent(cases[0])).toBe(false);
  });

  it("maps an oversized packet to invalid_argument on data even though mysql2 calls it fatal", () => {
    const cause = driverError({ errno: 1153, code: "ER_NET_PACKET_TOO_LARGE", fatal: true });
    expect(isConnectionError(cause)).toBe(false);
    const mapped = toDocketError(cause, "enqueueing jobs");
    expect(mapped).toMatchObject({ code: "invalid_argument", field: "data", retryable: false });
    expect(mapped.message).toMatch(/max_allowed_packet/);
  });

  it("keeps other errors non-retryable and passes DocketErrors through", () => {
    const syntax = driverError({ errno: 1064, code: "ER_PARSE_ERROR" });
    expect(toDocketError(syntax, "x")).toMatchObject({ code: "database_error", retryable: false });
    expect(isUnsupportedStatement(syntax)).toBe(true);
    const own = new DocketError("closed", "closed");
    expect(toDocketError(own, "x")).toBe(own);
    expect(toDocketError("a string", "x").message).toBe("mysql: x failed: a string");
  });
});
