// What a frontend writes against the types generated from the gateway's merged OpenAPI
// (openapi-typescript: generated/api.d.ts, made by tests/test_contract_gateway.py).
// It must compile with `tsc --strict`: a change to a documented shape it relies on fails CI.
import type { components, paths } from "./generated/api";

type Problem = components["schemas"]["Problem"];

type ListUnits = paths["/api/v1/org/units"]["get"];
type UnitQuery = NonNullable<ListUnits["parameters"]["query"]>;
type UnitPage = ListUnits["responses"][200]["content"]["application/json"];
type Unit = UnitPage["items"][number];

type GetAgency = paths["/api/v1/org/agencies/{agency_id}"]["get"];
type UpdateAgency = paths["/api/v1/org/agencies/{agency_id}"]["patch"];
type Agency = UpdateAgency["responses"][200]["content"]["application/json"];
type AgencyChanges = UpdateAgency["requestBody"]["content"]["application/json"];
type AgencyPreconditions = UpdateAgency["parameters"]["header"];

// NOTE: compile-time checks of what a plain assignment would let through: an undeclared
// response header is `unknown` (any string fits), an optional If-Match would not be sent.
type IsString<T> = [T] extends [string] ? ([string] extends [T] ? true : false) : false;
const etagIsDeclared: IsString<NonNullable<UpdateAgency["responses"][200]["headers"]["ETag"]>> = true;
const etagIsDeclaredOnRead: IsString<NonNullable<GetAgency["responses"][200]["headers"]["ETag"]>> = true;
const ifMatchIsRequired: undefined extends AgencyPreconditions ? false : true = true;
export const declared = [etagIsDeclared, etagIsDeclaredOnRead, ifMatchIsRequired];

type ProvinceSummary =
  paths["/api/v1/reports/provinces/{code}/summary"]["get"]["responses"][200]["content"]["application/json"];
type LevelCounts = NonNullable<ProvinceSummary["tasks"]>["by_level"];

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.title}`);
  }
}

export class Haicap {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call(method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(init.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (!response.ok) {
      throw new ApiError((await response.json()) as Problem);
    }
    return response;
  }

  /** Every unit of a level in a province on a date, page after page. */
  async listUnits(query: UnitQuery): Promise<Unit[]> {
    const units: Unit[] = [];
    let cursor: string | null | undefined = undefined;
    do {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries({ ...query, cursor })) {
        if (value !== undefined && value !== null) params.set(name, String(value));
      }
      const response = await this.call("GET", `/api/v1/org/units?${params}`);
      const page = (await response.json()) as UnitPage;
      units.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return units;
  }

  /** Read an agency, then rename it with If-Match, so a concurrent change is refused (412), not overwritten. */
  async renameAgency(agencyId: string, name: string): Promise<{ agency: Agency; etag: string }> {
    const current = await this.call("GET", `/api/v1/org/agencies/${encodeURIComponent(agencyId)}`);
    const etag: GetAgency["responses"][200]["headers"]["ETag"] = current.headers.get("ETag") ?? "";
    const preconditions: AgencyPreconditions = { "If-Match": etag };
    const changes: AgencyChanges = { name };
    const response = await this.call("PATCH", `/api/v1/org/agencies/${encodeURIComponent(agencyId)}`, {
      headers: preconditions,
      body: changes,
    });
    const next: UpdateAgency["responses"][200]["headers"]["ETag"] = response.headers.get("ETag") ?? "";
    return { agency: (await response.json()) as Agency, etag: next };
  }

  /** The province summary's tasks at each level of government, or null when org-structure did not answer. */
  async tasksByLevel(province: string, asOf: string): Promise<LevelCounts | null> {
    const response = await this.call(
      "GET",
      `/api/v1/reports/provinces/${encodeURIComponent(province)}/summary?as_of=${encodeURIComponent(asOf)}`,
    );
    const summary = (await response.json()) as ProvinceSummary;
    return summary.tasks === null ? null : summary.tasks.by_level;
  }
}

export async function example(api: Haicap): Promise<string> {
  const communes = await api.listUnits({ province: "04", level: "commune", as_of: "2026-04-15", limit: 100 });
  const first: Unit | undefined = communes[0];
  const renamed = await api.renameAgency("3fa85f64-5717-4562-b3fc-2c963f66afa6", "Sở Nội vụ tỉnh Cao Bằng");
  const levels = await api.tasksByLevel("04", "2026-04-15");
  const total: number = levels === null ? 0 : levels.province + levels.commune;
  return `${communes.length} communes (first: ${first?.name ?? "none"}), ${renamed.agency.name} at ${renamed.etag}, ${total} tasks`;
}
