import type { HandlerContext, StorageAdapter } from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";

/**
 * Built-in jobs need the queue itself, which a handler reaches through its fourth
 * argument (`context.adapter`). When called by hand with an adapter as `db` (as tests
 * and scripts do), that works too.
 */
export function adapterFromHandlerArgs(
  db: unknown,
  context: HandlerContext | undefined,
): StorageAdapter {
  const candidate = context?.adapter ?? db;
  if (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof (candidate as StorageAdapter).cleanup === "function" &&
    typeof (candidate as StorageAdapter).insights === "function"
  ) {
    return candidate as StorageAdapter;
  }
  throw invalidArgument(
    "context.adapter",
    "the worker's adapter (run this handler in a Docket worker)",
    candidate,
  );
}
