import { type FileRow, invalidArgument } from "@docket/core/adapter";
import { fileSignAccessToken } from "./access-token.ts";

export interface FormattedFile {
  id: string;
  name: string;
  contentType: string;
  originalWidth?: number;
  originalHeight?: number;
  altText?: string;
  placeholderImage?: string;
  url: string;
}

export interface FormatMetadataOptions {
  /** The url the file is served from; `accessToken=` or `v=` is appended. */
  url: string;
  /** Appends a fresh access token instead of `v=<id>`. */
  signAccessToken?: { signingKey: string; maxAgeInSeconds: number };
}

/**
 * The client-facing shape of a file (docs/files.md). The query parameter is appended
 * with `?` or `&` as the url needs; `options` is never changed.
 */
export async function fileFormatMetadata(
  file: FileRow,
  options: FormatMetadataOptions,
): Promise<FormattedFile> {
  if (typeof file?.id !== "string") throw invalidArgument("file", "a file row", file);
  if (typeof options?.url !== "string" || options.url.length === 0) {
    throw invalidArgument("url", "a non-empty string", options?.url);
  }
  const parameter =
    options.signAccessToken === undefined
      ? `v=${encodeURIComponent(file.id)}`
      : `accessToken=${await fileSignAccessToken({
          fileId: file.id,
          signingKey: options.signAccessToken.signingKey,
          maxAgeInSeconds: options.signAccessToken.maxAgeInSeconds,
        })}`;
  const [beforeHash = "", ...hashParts] = options.url.split("#");
  const separator = !beforeHash.includes("?")
    ? "?"
    : beforeHash.endsWith("?") || beforeHash.endsWith("&")
      ? ""
      : "&";
  const hash = hashParts.length > 0 ? `#${hashParts.join("#")}` : "";
  const result: FormattedFile = {
    id: file.id,
    name: file.name,
    contentType: file.contentType,
    url: `${beforeHash}${separator}${parameter}${hash}`,
  };
  const meta = file.meta;
  if (meta.originalWidth !== undefined) result.originalWidth = meta.originalWidth;
  if (meta.originalHeight !== undefined) result.originalHeight = meta.originalHeight;
  if (meta.altText !== undefined) result.altText = meta.altText;
  if (meta.placeholderImage !== undefined) result.placeholderImage = meta.placeholderImage;
  return result;
}
