import type { BenchEnv, BenchSystem, DatabaseId, SystemId } from "../system.ts";
import { DocketSystem } from "./docket.ts";
import { GraphileWorkerSystem } from "./graphile-worker.ts";
import { PgBossSystem } from "./pg-boss.ts";
import { PlainjobSystem } from "./plainjob.ts";

/** The systems compared on each database, Docket first. */
export const SYSTEMS_BY_DATABASE: Readonly<Record<DatabaseId, readonly SystemId[]>> = {
  sqlite: ["docket", "plainjob"],
  postgres: ["docket", "graphile-worker", "pg-boss"],
  mysql: ["docket"],
};

export function createSystem(id: SystemId, database: DatabaseId, env: BenchEnv): BenchSystem {
  switch (id) {
    case "docket":
      return new DocketSystem(database, env);
    case "plainjob":
      return new PlainjobSystem(env);
    case "graphile-worker":
      return new GraphileWorkerSystem(env);
    case "pg-boss":
      return new PgBossSystem(env);
  }
}
