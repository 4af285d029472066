"""reporting pages nothing: each report is one document, so no route takes a cursor."""

from fastapi import FastAPI

from haicap_shared.paging_checks import paged_routes, undeclared_cursor_problems


def test_no_route_is_a_paged_list(service_app: FastAPI) -> None:
    # NOTE: a paged list added here needs the crafted-cursor check of the other services' test_paging.py.
    assert paged_routes(service_app) == []


def test_every_list_declares_invalid_cursor(service_app: FastAPI) -> None:
    assert undeclared_cursor_problems(service_app) == []
