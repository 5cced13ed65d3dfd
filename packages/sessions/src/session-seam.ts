import { DocketError, type StorageAdapter } from "@docket/core";
import type { SessionRow, SessionStoreSeam } from "@docket/core/adapter";
import type { Session } from "./session-types.ts";

/** The adapter's session seam; `unsupported` when the adapter has none. */
export function sessionSeamOf(adapter: unknown): SessionStoreSeam {
  const seam =
    typeof adapter === "object" && adapter !== null
      ? (adapter as Partial<StorageAdapter>).sessions
      : undefined;
  if (seam === undefined || seam === null) {
    throw new DocketError(
      "unsupported",
      "expected adapter to be a Docket storage adapter with a session store (adapter.sessions)",
      { field: "adapter" },
    );
  }
  return seam;
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    data: JSON.parse(row.dataJson) as Session["data"],
    checksum: row.checksum,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
