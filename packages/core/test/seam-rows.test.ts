import { epochMsToDate, fileRowReader, sessionRowReader } from "@docket/core/adapter";
import { describe, expect, it } from "vitest";

/** The row mappers every adapter shares: what a driver hands back → the seams' rows. */
describe("fileRowReader", () => {
  const columns = {
    id: "0b8e6c1e-51a4-4b8f-9a57-8f0d3c2e1a11",
    bucket_name: "uploads",
    name: "cat.png",
    content_type: "image/png",
  };

  it("reads a bigint length as text, meta as JSON text and epoch-millisecond times", () => {
    const toFileRow = fileRowReader(epochMsToDate);
    const row = toFileRow({
      ...columns,
      content_length: "9007199254740991",
      meta: '{"transforms":{"w=10":"x"}}',
      created_at: "1700000000123",
      updated_at: 1700000000456,
    });
    expect(row).toEqual({
      id: columns.id,
      bucketName: "uploads",
      name: "cat.png",
      contentType: "image/png",
      contentLength: 9007199254740991,
      meta: { transforms: { "w=10": "x" } },
      createdAt: new Date(1700000000123),
      updatedAt: new Date(1700000000456),
    });
  });

  it("keeps meta a driver already parsed and converts times with the adapter's parser", () => {
    const meta = { placeholderImage: "data:image/jpeg;base64,AA" };
    const seen: string[] = [];
    const toFileRow = fileRowReader((text: string) => {
      seen.push(text);
      return new Date(`${text}Z`);
    });
    const row = toFileRow({
      ...columns,
      content_length: 12,
      meta,
      created_at: "2024-01-02T03:04:05.678",
      updated_at: "2024-01-02T03:04:06.000",
    });
    expect(row.meta).toBe(meta);
    expect(row.contentLength).toBe(12);
    expect(row.createdAt.toISOString()).toBe("2024-01-02T03:04:05.678Z");
    expect(seen).toEqual(["2024-01-02T03:04:05.678", "2024-01-02T03:04:06.000"]);
  });
});

describe("sessionRowReader", () => {
  const rows = sessionRowReader(epochMsToDate);
  const joined = {
    id: "s1",
    data: '{"a":1}',
    checksum: "c",
    revoked_at: null,
    created_at: 1000,
    updated_at: 2000,
    token_id: "t1",
    token_session: "s1",
    token_expires_at: 9000,
    token_refresh_token: "r1",
    token_revoked_at: 3000,
    token_created_at: 1500,
  };

  it("maps a session and a token, keeping null times null", () => {
    expect(rows.session(joined)).toEqual({
      id: "s1",
      dataJson: '{"a":1}',
      checksum: "c",
      revokedAt: null,
      createdAt: new Date(1000),
      updatedAt: new Date(2000),
    });
    expect(rows.token({ ...joined, token_refresh_token: null, token_revoked_at: null })).toEqual({
      id: "t1",
      sessionId: "s1",
      expiresAt: new Date(9000),
      refreshTokenId: null,
      revokedAt: null,
      createdAt: new Date(1500),
    });
  });

  it("splits a row of the token-with-session join and carries the adapter's clock", () => {
    const now = new Date(5000);
    const lookup = rows.lookup(joined, now);
    expect(lookup.now).toBe(now);
    expect(lookup.session.id).toBe("s1");
    expect(lookup.token).toMatchObject({
      id: "t1",
      refreshTokenId: "r1",
      revokedAt: new Date(3000),
    });
  });

  it("maps every row of a list (usable directly as a map callback)", () => {
    const tokens = [joined, { ...joined, token_id: "t2" }].map(rows.token);
    expect(tokens.map((token) => token.id)).toEqual(["t1", "t2"]);
  });
});
