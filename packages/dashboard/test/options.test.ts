import { expectDocketError } from "@docket/core/testing";
import { describe, expect, it } from "vitest";
import { DEFAULT_PAGE_SIZE, resolveDashboardOptions } from "../src/options.ts";

describe("resolveDashboardOptions", () => {
  it("fills defaults and freezes the result", () => {
    const options = resolveDashboardOptions(undefined);
    expect(options).toMatchObject({
      basePath: "",
      readOnly: false,
      authorize: null,
      csrfSecret: null,
      pageSize: DEFAULT_PAGE_SIZE,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it("normalises the base path", () => {
    expect(resolveDashboardOptions({ basePath: "/admin/jobs/" }).basePath).toBe("/admin/jobs");
    expect(resolveDashboardOptions({ basePath: "/" }).basePath).toBe("");
  });

  it("rejects unknown keys and wrong types with invalid_option", async () => {
    await expectDocketError(
      () => resolveDashboardOptions({ readonly: true }),
      "invalid_option",
      "options.readonly",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ basePath: "admin" }),
      "invalid_option",
      "options.basePath",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ basePath: "/a b" }),
      "invalid_option",
      "options.basePath",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ readOnly: "yes" }),
      "invalid_option",
      "options.readOnly",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ authorize: true }),
      "invalid_option",
      "options.authorize",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ csrfSecret: "short" }),
      "invalid_option",
      "options.csrfSecret",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ pageSize: 501 }),
      "invalid_option",
      "options.pageSize",
    );
    await expectDocketError(
      () => resolveDashboardOptions({ logger: console.log }),
      "invalid_option",
      "options.logger",
    );
    await expectDocketError(() => resolveDashboardOptions([]), "invalid_option", "options");
  });
});
