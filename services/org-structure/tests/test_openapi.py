"""What a frontend developer reads: every route documented, errors declared as problems."""

import httpx


async def test_every_route_has_a_summary_and_declares_its_problems(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/units",
        "/units/{unit_id}",
        "/units/by-code/{code}",
        "/units/{unit_id}/lineage",
        "/unit-changes",
        "/units/stats",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("description"), f"{method.upper()} {path} has no docstring"
    assert "application/problem+json" in paths["/units/by-code/{code}"]["get"]["responses"]["404"]["content"]
    assert "unit_code_overlap" in paths["/units"]["post"]["responses"]["409"]["description"]
    assert "Problem" in spec["components"]["schemas"]
    parameters = {p["name"] for p in paths["/units"]["get"]["parameters"]}
    assert parameters == {"level", "kind", "province", "parent_id", "as_of", "q", "limit", "cursor"}
