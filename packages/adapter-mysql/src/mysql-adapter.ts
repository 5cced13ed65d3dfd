import {
  DocketError,
  type JobActionResult,
  type JobNameCounts,
  type JobRecord,
  type QueueCounts,
  type StorageAdapter,
} from "@docket/core";
import {
  type AdapterCapabilities,
  type AdapterTransaction,
  type ClaimRequest,
  type ClaimResult,
  type CleanupRequest,
  type CompleteResult,
  type CountJobsByNameRequest,
  type CronDefinition,
  closedAdapterError,
  type FileStoreSeam,
  invalidOption,
  type JobActivityCount,
  type JobActivityRequest,
  type JobLease,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type ListJobsQuery,
  type NewJob,
  nameCountsFromRow,
  queueCountsFromRow,
  type RetryFailedRequest,
  refusedAction,
  type SessionStoreSeam,
} from "@docket/core/adapter";
import mysql, { type Pool, type ResultSetHeader } from "mysql2/promise";
import * as actions from "./mysql-actions.ts";
import { sendClaimBatch } from "./mysql-batched-claim.ts";
import {
  CLAIM_POOL_SETTINGS,
  KeptTransactionConnection,
  type MysqlConnection,
  MysqlExecutor,
  OWN_POOL_SETTINGS,
  padToBucket,
  release,
  rollback,
  selectRows,
  transactionOn,
  withNamedLock,
  withRetries,
  write,
  writeOnce,
} from "./mysql-connection.ts";
import { isUnsupportedStatement, toDocketError } from "./mysql-errors.ts";
import { MysqlFileStore } from "./mysql-files.ts";
import { type FoldedProbeRow, foldedProbe, foldedSlotCount } from "./mysql-folded-probe.ts";
import { inlineValues } from "./mysql-literals.ts";
import { migrateMysql } from "./mysql-migrations.ts";
import { describePool, type ResolvedMysqlOptions, toPromiseConnection } from "./mysql-options.ts";
import { finishExhausted, insertCronRows, writeOutcomes } from "./mysql-outcomes.ts";
import { PairedSuccesses, type ParkedSuccesses } from "./mysql-paired-successes.ts";
import {
  chunkRows,
  formatUtcDateTime,
  type JobRow,
  jobParams,
  limitParam,
  PACKET_MARGIN_BYTES,
  parseUtcDateTime,
  toJobRecord,
  toNumber,
} from "./mysql-rows.ts";
import { createMysqlSessions } from "./mysql-sessions.ts";
import * as sql from "./mysql-sql.ts";

/** Leases end by year 9999 at the latest (DATETIME's range): ~100 years. */
const MAX_LEASE_MS = 100 * 365 * 24 * 3600 * 1000;

interface ServerSettings {
  maxAllowedPacket: number;
  autoIncrementIncrement: number;
}

/** Savepoint names of nested `transaction(fn)` calls, unique in this process. */
let savepoints = 0;

/** What a root adapter and the adapters bound to transactions share. */
interface AdapterContext {
  readonly pool: Pool;
  readonly ownsPool: boolean;
  readonly table: string;
  readonly queueKey: string;
  readonly state: { closed: boolean };
  settings: Promise<ServerSettings> | null;
  ended: Promise<void> | null;
  /** False once the server refused the priorities probe (see `probePriorities`). */
  priorityProbe: boolean;
  /**
   * Claims' transactions when the adapter owns its pool (see `KeptTransactionConnection`),
   * on a pool of their own whose connections accept multi-statement commands.
   */
  claimConnection: KeptTransactionConnection | null;
  /** Successes waiting for the next claim's transaction (with `claimConnection` only). */
  paired: PairedSuccesses | null;
  /**
   * Name lists (joined by NUL) whose last claim came back full while the claim's walk
   * starts in due rows (see `claim`): the next claim for them skips the probe.
   */
  fullClaims: Set<string>;
  /** Name lists whose bounded walk was cut short in the current run of full claims. */
  cutWalks: Set<string>;
  /**
   * Name lists whose last claim came back empty: the next claim for them probes on its
   * own first, so an idle queue is answered in one round trip without a transaction.
   */
  idleClaims: Set<string>;
  /** False once the server refused the folded probe (see `foldedProbe`). */
  foldedProbe: boolean;
  /** False once the server refused `LIMIT … ROWS EXAMINED` (MySQL; see `rowsExaminedClause`). */
  boundedWalk: boolean;
  /** How many priorities had due jobs at the last probe (sizes the folded probe's slots). */
  lastDueCount: number;
}

/** What `probePriorities` found: priorities with due jobs, the clock, any future rows. */
interface Probe {
  priorities: number[];
  now: Date;
  future: boolean;
  /** The lowest priority with unfinished jobs has due ones: a walk from the start begins in due rows. */
  firstDue: boolean;
}

type LockedRow = { id: number | string; locked_by: string | null; is_complete: number | string };
type PendingCronRow = {
  id: number | string;
  name: string;
  cron_expression: string;
  priority: number | string;
};

/** Creates the adapter from validated options. */
export function createAdapterFromOptions(options: ResolvedMysqlOptions): StorageAdapter {
  const pool =
    options.kind === "pool"
      ? options.pool
      : mysql.createPool({
          ...OWN_POOL_SETTINGS,
          uri: options.uri,
          connectionLimit: options.poolSize,
        });
  // Multi-statement commands only on the claim's own connections, which run nothing but
  // the adapter's statements: the main pool's connections reach the application
  // (`transaction(fn)`), where a second statement in a string must stay an error.
  const claimPool =
    options.kind === "uri"
      ? mysql.createPool({
          ...CLAIM_POOL_SETTINGS,
          uri: options.uri,
          connectionLimit: options.poolSize,
        })
      : null;
  const state = { closed: false };
  const context: AdapterContext = {
    pool,
    ownsPool: options.kind === "uri",
    table: options.tableName,
    queueKey: `mysql:${describePool(options)}#${options.tableName}`,
    state,
    settings: null,
    ended: null,
    priorityProbe: true,
    claimConnection: claimPool === null ? null : new KeptTransactionConnection(claimPool, state),
    paired: claimPool === null ? null : new PairedSuccesses(),
    fullClaims: new Set(),
    cutWalks: new Set(),
    idleClaims: new Set(),
    foldedProbe: true,
    boundedWalk: true,
    lastDueCount: 1,
  };
  return new MysqlAdapter(context, null);
}

class MysqlAdapter implements StorageAdapter {
  readonly dialect = "mysql";
  readonly capabilities: AdapterCapabilities = {
    pushWakeups: false,
    callerTransactions: true,
    advisoryLocks: true,
    clock: "database",
    multiProcess: true,
  };
  readonly queueKey: string;
  readonly db: unknown;
  private readonly exec: MysqlExecutor;
  private readonly table: string;
  /** Session store rows, on the pool or the bound connection (docs/sessions.md). */
  readonly sessions: SessionStoreSeam;

  constructor(
    private readonly context: AdapterContext,
    private readonly bound: MysqlConnection | null,
  ) {
    this.queueKey = context.queueKey;
    this.db = bound ?? context.pool;
    this.table = context.table;
    this.exec = new MysqlExecutor(context.pool, context.state, bound);
    this.sessions = createMysqlSessions(this.exec, this.table);
  }

  /** File rows (docs/files.md), on the pool or this adapter's bound connection. */
  get files(): FileStoreSeam {
    return new MysqlFileStore(this.exec, this.table);
  }

  async migrate(): Promise<void> {
    // DDL commits implicitly, so migrations never run on a caller's transaction: a bound
    // adapter migrates through the pool.
    const exec =
      this.bound === null ? this.exec : new MysqlExecutor(this.context.pool, this.context.state);
    const t = this.table;
    await exec.withConnection("migrating", (connection) => migrateMysql(connection, t), {
      replayable: true,
    });
  }

  async now(): Promise<Date> {
    const rows = await this.exec.statement("reading the clock", sql.selectNow, [], {
      replayable: true,
    });
    return parseUtcDateTime((rows as unknown as { now: string }[])[0]!.now);
  }

  async enqueue(jobs: readonly NewJob[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const rows = jobs.map(jobParams);
    const settings = await this.settings();
    const chunks = chunkRows(jobs, settings.maxAllowedPacket - PACKET_MARGIN_BYTES);
    const ids: number[] = [];
    const insertChunk = async (
      connection: MysqlConnection | null,
      [from, to]: [number, number],
    ) => {
      const params = rows.slice(from, to).flat();
      const statement = sql.insertJobs(this.table, to - from);
      const header =
        connection === null
          ? await this.exec.statement<ResultSetHeader>("enqueueing jobs", statement, params, {
              replayable: false,
            })
          : to - from === 1
            ? await write(connection, statement, params)
            : await writeOnce(connection, statement, params);
      // See `insertJobs`: one multi-row INSERT gets consecutive ids.
      const first = toNumber(header.insertId);
      for (let i = 0; i < to - from; i++) ids.push(first + i * settings.autoIncrementIncrement);
    };
    if (chunks.length === 1 && jobs.length === 1) {
      await insertChunk(null, chunks[0]!);
    } else if (chunks.length === 1) {
      await this.exec.withConnection("enqueueing jobs", (c) => insertChunk(c, chunks[0]!), {
        replayable: false,
      });
    } else {
      // Several statements: one transaction, so the batch lands whole or not at all.
      await this.exec.unitOfWork("enqueueing jobs", async (connection) => {
        ids.length = 0;
        for (const chunk of chunks) await insertChunk(connection, chunk);
      });
    }
    return ids;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    // Successes parked by `complete` in this turn ride on this claim's transaction; taken
    // before the probe's round trip, which would otherwise outlast their one-turn wait.
    const parked = this.bound === null ? (this.context.paired?.take() ?? []) : [];
    // While claims come back full there are more due jobs than the claim takes, so the
    // claim's ordered walk stops inside the due range without the priority list: the
    // probe buys nothing then (the walk without the list is in strict order whatever it
    // passes). Only while the walk starts in due rows: a walk that passes future-scheduled
    // rows reads (and locks) them, which the list prevents. On the claim pool of a server
    // with `ROWS EXAMINED` that walk is bounded (`claimBatched`), so it only has to start
    // in due rows (the last probe's `firstDue`); otherwise the last probe must have seen
    // no future rows at all.
    const key = request.names.join("\u0000");
    const claimConnection = this.bound === null ? this.context.claimConnection : null;
    // Otherwise the probe rides in the claim's first command (`foldedProbe`): no round
    // trip of its own. Not after an empty claim: an idle queue is answered by the probe
    // alone, without opening the claim's transaction.
    const folded =
      claimConnection !== null &&
      this.context.priorityProbe &&
      this.context.foldedProbe &&
      !this.context.fullClaims.has(key) &&
      !this.context.idleClaims.has(key);
    let probe: Probe | null;
    try {
      probe = folded || this.context.fullClaims.has(key) ? null : await this.probePriorities();
    } catch (error) {
      this.writeAlone(parked);
      throw error;
    }
    if (probe !== null) this.context.lastDueCount = probe.priorities.length;
    if (probe !== null && probe.priorities.length === 0) {
      this.writeAlone(parked);
      return { jobs: [], finished: [], now: probe.now };
    }
    let result: ClaimResult;
    let fellBack = false;
    if (claimConnection === null) {
      result = await this.exec.unitOfWork("claiming jobs", (connection) =>
        this.claimOn(connection, request, probe),
      );
    } else {
      try {
        const batched = await this.claimBatched(claimConnection, request, probe, parked, folded);
        result = batched.result;
        probe = batched.probe ?? probe;
        fellBack = batched.fellBack;
      } catch (error) {
        const refused = isUnsupportedStatement((error as DocketError).cause);
        if (!refused || (!folded && !this.walksBounded(probe, folded))) throw error;
        // A MySQL-compatible engine without what the folded probe uses (JSON_VALUE, user
        // variables set in a SELECT) or without `ROWS EXAMINED` (MySQL): the parked
        // successes were written alone; claim without it from now on.
        if (folded) this.context.foldedProbe = false;
        else this.context.boundedWalk = false;
        return this.claim(request);
      }
    }
    if (result.jobs.length + result.finished.length === 0) {
      this.context.idleClaims.add(key);
    } else {
      this.context.idleClaims.delete(key);
    }
    const full = result.jobs.length + result.finished.length >= request.limit;
    const walkStartsDue =
      probe === null ||
      !probe.future ||
      (claimConnection !== null && this.context.boundedWalk && probe.firstDue);
    // A bounded walk cut short passed too many rows it could not take (future rows, or
    // more running jobs than the margin): claims probe again until one comes back not
    // full, so a queue whose walk is always cut does not pay the extra round trip each time.
    if (fellBack) {
      this.context.cutWalks.add(key);
    } else if (!full) {
      this.context.cutWalks.delete(key);
    }
    if (full && walkStartsDue && !this.context.cutWalks.has(key)) {
      this.context.fullClaims.add(key);
    } else {
      this.context.fullClaims.delete(key);
    }
    return result;
  }

  /**
   * The claim in two round trips on the claim pool's multi-statement connection: the
   * parked successes' writes + SELECT … FOR UPDATE SKIP LOCKED, then the lease UPDATE +
   * COMMIT. Settles the parked successes with the claim's outcome.
   * A claim without the probe (`walksBounded`) walks the claim index bounded by
   * `ROWS EXAMINED`; when the walk was cut short, the same transaction sends the folded
   * probe and the listed SELECT (a third round trip), whose rows are the claim's: the
   * rows the walk locked are this transaction's own, so that SELECT does not skip them,
   * and the probe, the transaction's first consistent read, sees every commit so far.
   */
  private async claimBatched(
    claimConnection: KeptTransactionConnection,
    request: ClaimRequest,
    probe: Probe | null,
    parked: ParkedSuccesses[],
    folded: boolean,
  ): Promise<{ result: ClaimResult; probe: Probe | null; fellBack: boolean }> {
    const t = this.table;
    const slots = foldedSlotCount(this.context.lastDueCount, sql.MAX_CLAIM_PRIORITIES);
    const bounded = this.walksBounded(probe, folded);
    const limit = Number(limitParam(request.limit));
    const selectOf = (foldedSlots: number | null, rowsExamined: number | null) => {
      const select = this.selectClaimable(request, probe, foldedSlots, rowsExamined);
      return { text: select.text, values: [...select.values.slice(0, -1), limit] };
    };
    let completed: CompleteResult[] = [];
    let foldedResult: Probe | null = null;
    let fellBack = false;
    const readProbe = (row: FoldedProbeRow): Probe => {
      this.context.lastDueCount = toNumber(row.due_count);
      return {
        priorities: [],
        now: parseUtcDateTime(row.docket_now),
        future: toNumber(row.future) === 1,
        firstDue: toNumber(row.first_due) === 1,
      };
    };
    try {
      const result = await claimConnection.transaction("claiming jobs", async (connection) => {
        let batch = await sendClaimBatch(
          connection,
          t,
          parked.map((item) => item.outcomes),
          selectOf(folded ? slots : null, bounded ? limit : null),
          {
            withClock: probe === null && !folded,
            probe: folded ? foldedProbe(t, slots, sql.MAX_CLAIM_PRIORITIES) : null,
            bounded,
          },
        );
        completed = batch.completed;
        if (batch.truncated) {
          fellBack = true;
          batch = await sendClaimBatch(connection, t, [], selectOf(slots, null), {
            withClock: false,
            probe: foldedProbe(t, slots, sql.MAX_CLAIM_PRIORITIES),
            bounded: false,
          });
        }
        if (batch.probe !== null) foldedResult = readProbe(batch.probe);
        let beforeCommit: string | null = null;
        const claimed = await this.leaseRows(
          connection,
          batch.rows,
          request,
          probe?.now ?? foldedResult?.now ?? parseUtcDateTime(batch.now!),
          async (text, values) => {
            beforeCommit = inlineValues(text, values);
          },
        );
        return { result: claimed, beforeCommit };
      });
      for (const [i, item] of parked.entries()) item.settle(completed[i]!);
      return { result, probe: foldedResult, fellBack };
    } catch (error) {
      // Nothing of the transaction stayed, or its outcome is unknown: a retryable error
      // goes to the outcomes' recorder as it would from `complete`. Any other failure is
      // the claim's own: the successes are written alone, as without pairing.
      if (error instanceof DocketError && error.retryable) {
        for (const item of parked) item.fail(error);
      } else {
        this.writeAlone(parked);
      }
      throw error;
    }
  }

  /**
   * A claim on the claim pool without any probe walks bounded by `ROWS EXAMINED` (see
   * `claimBatched`) when the server takes it and the folded probe is there to fall back on.
   */
  private walksBounded(probe: Probe | null, folded: boolean): boolean {
    return (
      probe === null &&
      !folded &&
      this.context.boundedWalk &&
      this.context.priorityProbe &&
      this.context.foldedProbe
    );
  }

  /** Writes parked successes on their own (no claim carries them). */
  private writeAlone(parked: readonly ParkedSuccesses[]): void {
    for (const item of parked) this.writeOutcomes(item.outcomes).then(item.settle, item.fail);
  }

  /**
   * The claim's SELECT and its parameters, limited to the probe's priorities if any, or
   * to the folded probe's variables when `foldedSlots` is given.
   */
  private selectClaimable(
    request: ClaimRequest,
    probe: Probe | null,
    foldedSlots: number | null = null,
    rowsExamined: number | null = null,
  ): { text: string; values: (number | string)[] } {
    const names = padToBucket(request.names);
    const priorityList =
      probe === null || probe.priorities.length > sql.MAX_CLAIM_PRIORITIES
        ? null
        : padToBucket(probe.priorities);
    return {
      text: sql.selectClaimable(
        this.table,
        names.length,
        foldedSlots !== null ? { foldedSlots } : (priorityList?.length ?? null),
        !request.ignoreSorting,
        rowsExamined,
      ),
      values: [request.maxRetryCount, ...names, ...(priorityList ?? []), limitParam(request.limit)],
    };
  }

  /** The claim on a connection in a transaction (the application's pool, or a bound adapter). */
  private async claimOn(
    connection: MysqlConnection,
    request: ClaimRequest,
    probe: Probe | null,
  ): Promise<ClaimResult> {
    const select = this.selectClaimable(request, probe);
    const rows = await selectRows<JobRow & { docket_now: string }>(
      connection,
      select.text,
      select.values,
    );
    let now = probe?.now;
    if (rows.length === 0 && now === undefined) {
      const [clock] = await selectRows<{ now: string }>(connection, sql.selectNow, []);
      now = parseUtcDateTime(clock!.now);
    }
    return this.leaseRows(connection, rows, request, now, async (text, values) => {
      await write(connection, text, values);
    });
  }

  /**
   * Leases the claimed rows (`lease` runs or defers the UPDATE), finishing those whose
   * expired lease held their last attempt. `emptyNow` is the clock when no row came back.
   */
  private async leaseRows(
    connection: MysqlConnection,
    rows: (JobRow & { docket_now: string })[],
    request: ClaimRequest,
    emptyNow: Date | undefined,
    lease: (text: string, values: (number | string)[]) => Promise<void>,
  ): Promise<ClaimResult> {
    const t = this.table;
    if (rows.length === 0) return { jobs: [], finished: [], now: emptyNow! };
    const leaseMs = Math.min(request.leaseMs, MAX_LEASE_MS);
    const nowText = rows[0]!.docket_now;
    const now = parseUtcDateTime(nowText);
    // Rows whose expired lease held their last attempt are finished, not leased, in
    // this same transaction: no crash can leave them stranded.
    const exhausted = rows.filter(
      (row) => row.locked_by !== null && toNumber(row.retry_count) + 1 >= request.maxRetryCount,
    );
    const runnable = exhausted.length === 0 ? rows : rows.filter((row) => !exhausted.includes(row));
    const finished =
      exhausted.length === 0
        ? []
        : await finishExhausted(connection, t, exhausted, request, nowText, now);
    if (runnable.length === 0) return { jobs: [], finished, now };
    const lockedUntil = new Date(now.getTime() + leaseMs);
    const ids = padToBucket(runnable.map((row) => row.id));
    await lease(sql.leaseJobs(t, ids.length), [
      LEASE_EXPIRED_ERROR,
      request.leaseToken,
      formatUtcDateTime(lockedUntil, "leaseMs"),
      nowText,
      ...ids,
    ]);
    // The rows are locked and the update only wrote known values: derive the records
    // instead of reading them again.
    const jobs = runnable.map((row): JobRecord => {
      const job = toJobRecord(row);
      if (job.lockedBy !== null) {
        job.retryCount += 1;
        job.lastError = LEASE_EXPIRED_ERROR;
      }
      job.lockedBy = request.leaseToken;
      job.lockedUntil = lockedUntil;
      job.updatedAt = now;
      return job;
    });
    return { jobs, finished, now };
  }

  /**
   * A consistent (non-locking) read before the claim's transaction: which priorities have
   * unfinished jobs (see `selectPriorities`), and the clock. An empty queue ends there,
   * without a transaction. Null when the server cannot run the recursive CTE (a
   * MySQL-compatible engine without it): the claim then goes without the list.
   */
  private async probePriorities(): Promise<Probe | null> {
    if (!this.context.priorityProbe) return null;
    let rows: {
      priority: number | string | null;
      due: number | string | null;
      future: number | string | null;
      docket_now: string;
    }[];
    try {
      rows = (await this.exec.statement(
        "claiming jobs",
        sql.selectPriorities(this.table),
        [],
        { replayable: true },
        "text",
      )) as unknown as typeof rows;
    } catch (error) {
      if (!isUnsupportedStatement((error as DocketError).cause)) throw error;
      this.context.priorityProbe = false;
      return null;
    }
    // More priorities than the list may hold: claim without it (`probe.priorities` is
    // then longer than MAX_CLAIM_PRIORITIES and ignored).
    const tooMany = rows.length > sql.MAX_CLAIM_PRIORITIES;
    // The lowest priority with unfinished jobs (the outer join keeps no order).
    const lowest = Math.min(
      ...rows.filter((row) => row.priority !== null).map((row) => toNumber(row.priority!)),
    );
    return {
      priorities: rows
        .filter((row) => row.priority !== null && (tooMany || toNumber(row.due ?? 0) === 1))
        .map((row) => toNumber(row.priority!))
        .sort((a, b) => a - b),
      now: parseUtcDateTime(rows[0]!.docket_now),
      future: rows.some((row) => toNumber(row.future ?? 0) === 1),
      firstDue: rows.some(
        (row) =>
          row.priority !== null &&
          toNumber(row.priority) === lowest &&
          toNumber(row.due ?? 0) === 1,
      ),
    };
  }

  async heartbeat(leases: readonly JobLease[], leaseMs: number): Promise<number[]> {
    const unique = [...new Map(leases.map((lease) => [lease.id, lease])).values()];
    if (unique.length === 0) return [];
    const padded = padToBucket(unique);
    const header = await this.exec.statement<ResultSetHeader>(
      "extending leases",
      sql.extendLeases(this.table, padded.length),
      [
        Math.min(leaseMs, MAX_LEASE_MS),
        ...padded.map((lease) => lease.id),
        ...padded.flatMap((lease) => [lease.id, lease.leaseToken]),
      ],
      { replayable: true },
    );
    // mysql2 asks for found rows by default; a pool configured otherwise counts only
    // changed rows, which can only under-count, and then the read below decides.
    if (header.affectedRows >= unique.length) return [];
    const held = await this.exec.statement(
      "extending leases",
      sql.selectHeldLeases(this.table, padded.length),
      padded.map((lease) => lease.id),
      { replayable: true },
    );
    const tokens = new Map(
      (held as unknown as LockedRow[]).map((row) => [toNumber(row.id), row.locked_by]),
    );
    return leases
      .filter((lease) => tokens.get(lease.id) !== lease.leaseToken)
      .map((lease) => lease.id);
  }

  async complete(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    if (outcomes.length === 0) return { recorded: [], lost: [] };
    const paired = this.bound === null ? this.context.paired : null;
    if (paired !== null && !this.context.state.closed && PairedSuccesses.canPair(outcomes)) {
      return paired.park(outcomes, (alone) => this.writeOutcomes(alone));
    }
    return this.writeOutcomes(outcomes);
  }

  /** `complete` in round trips of its own. */
  private async writeOutcomes(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    const t = this.table;
    const only = outcomes.length === 1 ? outcomes[0]! : undefined;
    if (only !== undefined && only.kind === "succeeded" && only.cronSuccessor === null) {
      // One round trip and one commit instead of BEGIN, SELECT … FOR UPDATE, UPDATE,
      // COMMIT: the guard moves into the WHERE clause (docs/queue.md, lease tokens).
      const header = await this.exec.statement<ResultSetHeader>(
        "recording job outcomes",
        only.deleteOnFinish ? sql.deleteOneGuarded(t) : sql.markOneSucceededGuarded(t),
        [only.id, only.leaseToken],
        { replayable: false },
      );
      return header.affectedRows === 1
        ? { recorded: [only.id], lost: [] }
        : { recorded: [], lost: [only.id] };
    }
    return this.exec.unitOfWork("recording job outcomes", async (connection) => {
      const ids = padToBucket([...new Set(outcomes.map((outcome) => outcome.id))]);
      const locked = await selectRows<LockedRow & { docket_now: string }>(
        connection,
        sql.lockOutcomeRows(t, ids.length),
        ids,
      );
      const rows = new Map(locked.map((row) => [toNumber(row.id), row]));
      const recorded: number[] = [];
      const lost: number[] = [];
      const winners: JobOutcome[] = [];
      for (const outcome of outcomes) {
        const row = rows.get(outcome.id);
        // The guard, read on rows this transaction holds locked.
        if (
          row !== undefined &&
          row.locked_by === outcome.leaseToken &&
          toNumber(row.is_complete) === 0
        ) {
          winners.push(outcome);
          recorded.push(outcome.id);
          rows.delete(outcome.id); // the same id twice in one batch: only the first wins
        } else {
          lost.push(outcome.id);
        }
      }
      if (winners.length === 0) return { recorded, lost };
      const nowText = locked[0]!.docket_now;
      const nowMs = parseUtcDateTime(nowText).getTime();
      await writeOutcomes(connection, t, winners, nowText, nowMs);
      return { recorded, lost };
    });
  }

  async syncCron(definitions: readonly CronDefinition[]): Promise<void> {
    // Last definition of a name wins (core rejects duplicates; this keeps it deterministic).
    const wanted = new Map(definitions.map((d) => [d.name, d]));
    const t = this.table;
    // Always on a connection of the pool: GET_LOCK is session-scoped and the sync is its
    // own transaction (a bound adapter does not sync inside the caller's transaction).
    const exec =
      this.bound === null ? this.exec : new MysqlExecutor(this.context.pool, this.context.state);
    await exec.withConnection(
      "syncing cron jobs",
      (connection) =>
        withNamedLock(connection, t, () =>
          transactionOn(connection, async () => {
            const pending = await selectRows<PendingCronRow>(
              connection,
              sql.selectPendingCron(t),
              [],
            );
            const existing = new Map(pending.map((row) => [row.name, row]));
            const stale = pending.filter((row) => !wanted.has(row.name)).map((row) => row.id);
            if (stale.length > 0) {
              const ids = padToBucket(stale);
              await write(connection, sql.deleteJobs(t, ids.length), ids);
            }
            const missing: CronDefinition[] = [];
            for (const definition of wanted.values()) {
              const row = existing.get(definition.name);
              if (row === undefined) {
                missing.push(definition);
              } else if (
                row.cron_expression !== definition.cronExpression ||
                toNumber(row.priority) !== definition.priority
              ) {
                await write(connection, sql.updateCronJob(t), [
                  definition.cronExpression,
                  definition.priority,
                  definition.dataJson,
                  formatUtcDateTime(definition.nextRunAt, "nextRunAt"),
                  row.id,
                ]);
              }
            }
            if (missing.length > 0) await insertCronRows(connection, t, missing);
          }),
        ),
      { replayable: true },
    );
  }

  async cleanup(request: CleanupRequest): Promise<number> {
    const header = await this.exec.statement<ResultSetHeader>(
      "cleaning up finished jobs",
      sql.deleteFinished(this.table),
      [formatUtcDateTime(request.completedBefore, "completedBefore"), limitParam(request.limit)],
      { replayable: true },
    );
    return header.affectedRows;
  }

  async insights(): Promise<QueueCounts> {
    const rows = (await this.exec.statement("counting jobs", sql.selectCounts(this.table), [], {
      replayable: true,
    })) as unknown as Record<string, unknown>[];
    return queueCountsFromRow(rows[0] ?? {}, toNumber);
  }

  async retryJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("retrying a job", id, actions.retryJob(this.table));
  }

  async retryFailedJobs(request: RetryFailedRequest): Promise<number> {
    const header = await this.exec.statement<ResultSetHeader>(
      "retrying failed jobs",
      actions.retryFailedJobs(this.table, request.name !== null),
      request.name === null ? [] : [request.name],
      // Replaying after a lost connection retries what is still failed: same end state.
      { replayable: true },
    );
    return header.affectedRows;
  }

  async cancelJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("cancelling a job", id, actions.cancelJob(this.table));
  }

  async deleteJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("deleting a job", id, actions.deleteJob(this.table));
  }

  async countJobsByName(request: CountJobsByNameRequest): Promise<JobNameCounts[]> {
    const since = request.finishedSince;
    const rows = (await this.exec.statement(
      "counting jobs by name",
      actions.countJobsByName(this.table, since !== null),
      since === null ? [] : [formatUtcDateTime(since, "finishedSince")],
      { replayable: true },
    )) as unknown as Record<string, unknown>[];
    return rows.map((row) => nameCountsFromRow(row, toNumber));
  }

  async jobActivity(request: JobActivityRequest): Promise<JobActivityCount[]> {
    const since = formatUtcDateTime(request.since, "since");
    const rows = (await this.exec.statement(
      "reading job activity",
      actions.jobActivity(this.table),
      [since, String(request.bucketMs), since],
      { replayable: true },
    )) as unknown as Record<string, unknown>[];
    return rows.map((row) => ({
      bucket: toNumber(row.bucket),
      completed: toNumber(row.completed),
      failed: toNumber(row.failed),
    }));
  }

  /**
   * One guarded single-row write; when it changed nothing, says why from the row as it
   * is now. Not replayed after a lost connection: a replay could not tell "done by the
   * first try" from "refused", so the error surfaces instead.
   */
  private async guardedAction(action: string, id: number, text: string): Promise<JobActionResult> {
    const header = await this.exec.statement<ResultSetHeader>(action, text, [id], {
      replayable: false,
    });
    if (header.affectedRows === 1) return { ok: true };
    const job = await this.getJob(id);
    const now = await this.now();
    return refusedAction(job, now);
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const rows = (await this.exec.statement("reading a job", sql.selectJob(this.table), [id], {
      replayable: true,
    })) as unknown as JobRow[];
    return rows[0] === undefined ? null : toJobRecord(rows[0]);
  }

  async listJobs(query: ListJobsQuery): Promise<JobRecord[]> {
    const params: unknown[] = query.name === undefined ? [] : [query.name];
    if (query.beforeId !== undefined) params.push(query.beforeId);
    params.push(limitParam(query.limit));
    const rows = (await this.exec.statement(
      "listing jobs",
      sql.listJobs(
        this.table,
        query.name !== undefined,
        query.state,
        query.beforeId !== undefined,
        query.cron === true,
      ),
      params,
      { replayable: true },
    )) as unknown as JobRow[];
    return rows.map(toJobRecord);
  }

  withTransaction(nativeTransaction: unknown): StorageAdapter {
    return new MysqlAdapter(this.context, toPromiseConnection(nativeTransaction));
  }

  async transaction<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T> {
    if (this.bound !== null) return this.inSavepoint(this.bound, fn);
    if (this.context.state.closed) throw closedAdapterError("mysql");
    // Nothing of fn's has run yet: a connection that died before or during BEGIN (a
    // restart, KILL) is simply replaced.
    const connection = await withRetries(
      "opening a transaction",
      async () => {
        const candidate = await this.context.pool.getConnection();
        try {
          await candidate.beginTransaction();
        } catch (error) {
          release(candidate, false);
          throw error;
        }
        return candidate;
      },
      () => true,
    );
    let result: T;
    try {
      result = await fn({ db: connection, adapter: this.withTransaction(connection) });
    } catch (error) {
      release(connection, await rollback(connection));
      throw error;
    }
    try {
      await connection.commit();
    } catch (error) {
      release(connection, await rollback(connection));
      throw toDocketError(error, "committing a transaction");
    }
    release(connection, true);
    return result;
  }

  /**
   * `transaction(fn)` on a bound adapter: a savepoint inside the caller's transaction, so
   * fn's writes are undone when it throws and the caller's own are kept. Each level gets
   * its own name: MySQL replaces a savepoint of the same name instead of nesting it.
   */
  private async inSavepoint<T>(
    connection: MysqlConnection,
    fn: (tx: AdapterTransaction) => Promise<T>,
  ): Promise<T> {
    const name = `docket_tx_${++savepoints}`;
    await connection.query(`SAVEPOINT ${name}`).catch((error: unknown) => {
      throw toDocketError(error, "opening a savepoint");
    });
    let result: T;
    try {
      result = await fn({ db: connection, adapter: this });
    } catch (error) {
      await connection.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {});
      throw error;
    }
    await connection.query(`RELEASE SAVEPOINT ${name}`).catch((error: unknown) => {
      throw toDocketError(error, "releasing a savepoint");
    });
    return result;
  }

  async close(): Promise<void> {
    if (this.bound !== null) return;
    // Successes still waiting for a claim are written before the pools end (started
    // while the adapter is open: a closed one refuses new statements).
    const parked = this.context.paired?.take() ?? [];
    const written = Promise.all(
      parked.map((item) => this.writeOutcomes(item.outcomes).then(item.settle, item.fail)),
    );
    this.context.state.closed = true;
    await written;
    if (!this.context.ownsPool) return;
    const claimPool = this.context.claimConnection?.pool;
    this.context.ended ??= Promise.all([
      this.context.pool.end().catch(() => undefined),
      claimPool?.end().catch(() => undefined),
    ]).then(() => undefined);
    await this.context.ended;
  }

  /** `max_allowed_packet` and `auto_increment_increment`, read once. */
  private settings(): Promise<ServerSettings> {
    if (this.context.settings === null) {
      const pending = this.exec
        .statement("reading server settings", sql.selectServerSettings, [], { replayable: true })
        .then((rows) => {
          const row = (rows as unknown as Record<string, unknown>[])[0] ?? {};
          // A pool on utf8mb3 ("utf8") cannot carry characters outside the BMP: a strict
          // server rejects them, a non-strict one stores '?'. Refuse before writing.
          if (row.character_set_client !== "utf8mb4") {
            throw invalidOption(
              "pool",
              "a mysql2 pool whose connections use charset utf8mb4 (mysql2's default)",
              row.character_set_client,
            );
          }
          return {
            maxAllowedPacket: toNumber(row.max_allowed_packet),
            autoIncrementIncrement: Math.max(1, toNumber(row.auto_increment_increment)),
          };
        });
      // A failed read is not cached: the next enqueue tries again.
      pending.catch(() => {
        if (this.context.settings === pending) this.context.settings = null;
      });
      this.context.settings = pending;
    }
    return this.context.settings;
  }
}
