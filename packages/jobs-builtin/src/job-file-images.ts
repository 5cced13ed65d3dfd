import {
  type DocketEvent,
  eventStart,
  eventStop,
  type HandlerContext,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import {
  fileGeneratePlaceholderImage,
  fileTransformImage,
  loadSharp,
  type ObjectStorage,
  type PlaceholderOutcome,
  type SharpLoader,
  type TransformOutcome,
} from "@docket/files";
import { adapterFromHandlerArgs } from "./adapter-from-handler.ts";

export interface ImageJobOptions {
  /**
   * How sharp is loaded; default: `import("sharp")` on first use. When it cannot be
   * loaded the job fails with `DocketError` `dependency_missing` (field `sharp`).
   */
  loadSharp?: SharpLoader;
}

function checkStorage(storage: ObjectStorage): void {
  if (typeof storage?.getBuffer !== "function") {
    throw invalidArgument("storage", "an ObjectStorage from @docket/files", storage);
  }
}

function loaderOf(options: ImageJobOptions): SharpLoader {
  const loader = options.loadSharp ?? loadSharp;
  if (typeof loader !== "function") throw invalidArgument("loadSharp", "a function", loader);
  return loader;
}

/**
 * A handler for `compas.file.generatePlaceholderImage` with `{ fileId }` (docs/files.md):
 * a 10 px wide JPEG data URL and the rotated dimensions in the file's `meta`. A missing
 * file, a non-image or an animated image completes and changes nothing.
 */
export function jobFileGeneratePlaceholderImage(
  storage: ObjectStorage,
  options: ImageJobOptions = {},
): JobHandler {
  checkStorage(storage);
  const loader = loaderOf(options);
  return async (
    event: DocketEvent,
    db: unknown,
    job: JobRecord,
    context: HandlerContext,
  ): Promise<PlaceholderOutcome> => {
    eventStart(event, "jobFileGeneratePlaceholderImage");
    const adapter = adapterFromHandlerArgs(db, context);
    const fileId = (job.data as { fileId?: unknown } | null)?.fileId;
    const outcome = await fileGeneratePlaceholderImage(adapter, storage, fileId, loader);
    event.log.info({
      type: "docket.file_placeholder",
      fileId: typeof fileId === "string" ? fileId : null,
      updated: outcome.updated,
      ...(outcome.updated ? {} : { reason: outcome.reason }),
    });
    eventStop(event);
    return outcome;
  };
}

/**
 * A handler for `compas.file.transformImage` with `{ fileId, transformKey, options: { w, q,
 * contentType } }` (docs/files.md), as `fileSendTransformedImageResponse` enqueues it.
 */
export function jobFileTransformImage(
  storage: ObjectStorage,
  options: ImageJobOptions = {},
): JobHandler {
  checkStorage(storage);
  const loader = loaderOf(options);
  return async (
    event: DocketEvent,
    db: unknown,
    job: JobRecord,
    context: HandlerContext,
  ): Promise<TransformOutcome> => {
    eventStart(event, "jobFileTransformImage");
    const adapter = adapterFromHandlerArgs(db, context);
    const outcome = await fileTransformImage(adapter, storage, job.data, loader);
    event.log.info({ type: "docket.file_transform", ...outcome });
    eventStop(event);
    return outcome;
  };
}
