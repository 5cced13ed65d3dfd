// A TypeScript application's use of Docket, typechecked (never run) by the pack test
// against the installed tarballs with `moduleResolution` node16 and bundler. The
// `@ts-expect-error` lines prove the declarations are real types, not `any`.
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter, type SqliteAdapterOptions } from "@docket/adapter-sqlite";
import {
  DocketError,
  type JobHandler,
  type JobRecord,
  type QueueWorker,
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerRegisterCronJobs,
  type StorageAdapter,
} from "@docket/core";
import { BUILTIN_CRON_JOBS, jobQueueInsights, type QueueInsights } from "@docket/jobs-builtin";

const options: SqliteAdapterOptions = { filename: "jobs.db", tableName: "app_jobs" };
const adapters: StorageAdapter[] = [
  createSqliteAdapter(options),
  createPostgresAdapter({ connectionString: "postgres://localhost/app" }),
  createMysqlAdapter({ uri: "mysql://localhost/app" }),
];

const sendEmail: JobHandler = async (event, _db, job: JobRecord) => {
  event.signal?.throwIfAborted();
  console.log(job.id, job.name, job.data);
};

export async function main(adapter: StorageAdapter): Promise<QueueInsights | undefined> {
  await adapter.migrate();
  const id: number = await queueWorkerAddJob(adapter, { name: "email.send", priority: 1 });
  // @ts-expect-error priority is a number
  await queueWorkerAddJob(adapter, { name: "email.send", priority: "high" });
  await queueWorkerRegisterCronJobs(adapter, { jobs: [...BUILTIN_CRON_JOBS] });
  const worker: QueueWorker = queueWorkerCreate(adapter, {
    handler: { "email.send": sendEmail, "compas.queue.insights": jobQueueInsights() },
  });
  // @ts-expect-error createSqliteAdapter needs a filename or a database
  createSqliteAdapter({ tableName: "x" });
  worker.start();
  await worker.stop();
  try {
    await queueWorkerAddJob(adapter, { name: "" });
  } catch (error) {
    if (error instanceof DocketError) console.log(error.code, error.field, id);
  }
  return undefined;
}

export { adapters };
