import { randomUUID } from "node:crypto";
import type { FileRow } from "@docket/core/adapter";
import { expectDocketError } from "@docket/core/testing";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { fileSignAccessToken, fileVerifyAccessToken } from "../src/access-token.ts";
import { fileFormatMetadata } from "../src/format-metadata.ts";

const signingKey = "a-signing-key-of-enough-length";

describe("file access tokens", () => {
  it("verifies a token for its own file only", async () => {
    const fileId = randomUUID();
    const token = await fileSignAccessToken({ fileId, signingKey, maxAgeInSeconds: 60 });
    await fileVerifyAccessToken({ fileAccessToken: token, signingKey, expectedFileId: fileId });
    await expectDocketError(
      fileVerifyAccessToken({ fileAccessToken: token, signingKey, expectedFileId: randomUUID() }),
      "file_token_invalid",
      "fileAccessToken",
    );
  });

  it("rejects tampered, foreign-key, malformed, missing and expired tokens", async () => {
    const fileId = randomUUID();
    const token = await fileSignAccessToken({ fileId, signingKey, maxAgeInSeconds: 60 });
    const [header, payload, signature] = token.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ fileId: randomUUID(), exp: 9e9 })).toString(
      "base64url",
    );
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`;
    for (const bad of [
      `${header}.${otherPayload}.${signature}`,
      `${header}.${payload}.${flipped}`,
      "not.a.token",
      "",
    ]) {
      await expectDocketError(
        fileVerifyAccessToken({ fileAccessToken: bad, signingKey, expectedFileId: fileId }),
        "file_token_invalid",
        "fileAccessToken",
      );
    }
    await expectDocketError(
      fileVerifyAccessToken({
        fileAccessToken: token,
        signingKey: "another-signing-key-of-enough-length",
        expectedFileId: fileId,
      }),
      "file_token_invalid",
    );
    // An "alg: none" token never passes.
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
    await expectDocketError(
      fileVerifyAccessToken({ fileAccessToken: none, signingKey, expectedFileId: fileId }),
      "file_token_invalid",
    );
    // A token signed with the right key whose `exp` has passed.
    const expired = await new SignJWT({ fileId })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 30)
      .sign(new TextEncoder().encode(signingKey));
    await expectDocketError(
      fileVerifyAccessToken({ fileAccessToken: expired, signingKey, expectedFileId: fileId }),
      "file_token_expired",
      "fileAccessToken",
    );
  });

  it("validates its input", async () => {
    await expectDocketError(
      fileSignAccessToken({ fileId: randomUUID(), signingKey: "short", maxAgeInSeconds: 5 }),
      "invalid_argument",
      "signingKey",
    );
    await expectDocketError(
      fileSignAccessToken({ fileId: randomUUID(), signingKey, maxAgeInSeconds: 0 }),
      "invalid_argument",
      "maxAgeInSeconds",
    );
    await expectDocketError(
      fileSignAccessToken({ fileId: "", signingKey, maxAgeInSeconds: 5 }),
      "invalid_argument",
      "fileId",
    );
  });
});

describe("fileFormatMetadata", () => {
  const file: FileRow = {
    id: randomUUID(),
    bucketName: "b-1",
    name: "photo.jpg",
    contentType: "image/jpeg",
    contentLength: 10,
    meta: {
      originalWidth: 4,
      originalHeight: 3,
      altText: "alt",
      placeholderImage: "data:x",
      transforms: {},
    },
    createdAt: new Date(),
    updatedAt: new Date(),
  };

  it("appends v= with ? or & as the url needs, without changing the options", async () => {
    const options = { url: "https://cdn.test/files/1" };
    const formatted = await fileFormatMetadata(file, options);
    expect(formatted).toEqual({
      id: file.id,
      name: "photo.jpg",
      contentType: "image/jpeg",
      originalWidth: 4,
      originalHeight: 3,
      altText: "alt",
      placeholderImage: "data:x",
      url: `https://cdn.test/files/1?v=${file.id}`,
    });
    expect(options).toEqual({ url: "https://cdn.test/files/1" });
    expect((await fileFormatMetadata(file, { url: "/f?w=10" })).url).toBe(`/f?w=10&v=${file.id}`);
    expect((await fileFormatMetadata(file, { url: "/f?" })).url).toBe(`/f?v=${file.id}`);
    expect((await fileFormatMetadata(file, { url: "/f?a=1#top" })).url).toBe(
      `/f?a=1&v=${file.id}#top`,
    );
  });

  it("appends a working accessToken when asked", async () => {
    const signAccessToken = { signingKey, maxAgeInSeconds: 60 };
    const options = { url: "/f?w=10", signAccessToken };
    const formatted = await fileFormatMetadata(file, options);
    const token = new URL(formatted.url, "http://x").searchParams.get("accessToken")!;
    expect(formatted.url.startsWith("/f?w=10&accessToken=")).toBe(true);
    await fileVerifyAccessToken({ fileAccessToken: token, signingKey, expectedFileId: file.id });
    expect(options).toEqual({
      url: "/f?w=10",
      signAccessToken: { signingKey, maxAgeInSeconds: 60 },
    });
    const bare = await fileFormatMetadata({ ...file, meta: {} }, { url: "/f" });
    expect(Object.keys(bare).sort()).toEqual(["contentType", "id", "name", "url"]);
  });
});
