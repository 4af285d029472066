"""The rules of streamlining cases: one open case per person, the entitlement kept with its inputs."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal, RoleNotAllowed
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.roles import Role

from ..auth import check_area
from ..people import repository as people_repository
from . import entitlement, repository
from .models import CaseStatus, StreamliningCase
from .schemas import CalculationRequest, CaseAction, CaseCreate, CaseTransition

ENTITY_CASE = "streamlining_case"

# NOTE: approving and paying are the province's (Sở Nội vụ proposes to UBND tỉnh, which
# approves; the treasury pays); withdrawing is open to whoever may write the case.
STEPS: dict[tuple[CaseAction, CaseStatus], tuple[CaseStatus, frozenset[Role]]] = {
    (CaseAction.APPROVE, CaseStatus.PROPOSED): (CaseStatus.APPROVED, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
    (CaseAction.PAY, CaseStatus.APPROVED): (CaseStatus.PAID, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
    (CaseAction.WITHDRAW, CaseStatus.PROPOSED): (
        CaseStatus.WITHDRAWN,
        frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER}),
    ),
    (CaseAction.WITHDRAW, CaseStatus.APPROVED): (CaseStatus.WITHDRAWN, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
}


class CaseNotFound(NotFound):
    code, title = "case_not_found", "No such streamlining case"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


class CaseExists(Conflict):
    code, title = "case_exists", "The person already has a streamlining case that is not withdrawn"


class PolicyNotApplicable(Conflict):
    code, title = "policy_not_applicable", "The policy does not apply to this person on these dates"


class SalaryMissing(Conflict):
    code, title = "salary_missing", "The person's salary coefficient is not recorded; record it or give the monthly salary"


class CaseStepNotAllowed(Conflict):
    code, title = "transition_not_allowed", "The case is not at a status this step starts from"


def _monthly(request: CalculationRequest) -> Decimal:
    if request.monthly_salary_vnd is not None:
        return request.monthly_salary_vnd
    if request.salary is None:
        raise SalaryMissing("Give salary (coefficients) or monthly_salary_vnd")
    s = request.salary
    return entitlement.Salary(
        s.base_salary_vnd, s.salary_coefficient, s.position_allowance, s.seniority_percent, s.allowance_percent
    ).monthly()


def calculate(request: CalculationRequest) -> entitlement.Entitlement:
    """A preview: the calculator on explicit inputs."""
    inputs = entitlement.Inputs(
        policy=request.policy,
        birth_date=request.birth_date,
        sex=request.sex,
        leave_date=request.leave_date,
        decision_date=request.decision_date,
        social_insurance_months=request.social_insurance_months,
        monthly_salary=_monthly(request),
        entered_amount=request.entered_amount_vnd,
    )
    try:
        return entitlement.calculate(inputs)
    except entitlement.NotApplicable as exc:
        raise PolicyNotApplicable(str(exc)) from exc


async def get_case(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> StreamliningCase:
    case = await repository.get_case(session, case_id)
    if case is None:
        raise CaseNotFound(f"No streamlining case has id {case_id}")
    check_area(principal, case, "This case")
    return case


async def create_case(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: CaseCreate, *, default_base_salary: Decimal
) -> StreamliningCase:
    person = await people_repository.get_person(session, data.person_id)
    if person is None:
        raise PersonMissing(f"No person has id {data.person_id}")
    check_area(principal, person, "This person's record")
    if (existing := await repository.open_case_of(session, person.id)) is not None:
        raise CaseExists(f"{person.full_name} has case {existing.id} ({existing.status.value})", case_id=str(existing.id))
    si_months = data.social_insurance_months
    if si_months is None:
        start = person.social_insurance_start_date
        si_months = entitlement.whole_months(start, data.leave_date) if start else 0
    salary = None
    if data.monthly_salary_vnd is None and person.salary_coefficient is not None:
        salary = {
            "base_salary_vnd": data.base_salary_vnd or default_base_salary,
            "salary_coefficient": person.salary_coefficient,
            "position_allowance": person.position_allowance or Decimal(0),
            "seniority_percent": person.seniority_percent or Decimal(0),
            "allowance_percent": person.allowance_percent or Decimal(0),
        }
    request = CalculationRequest.model_validate(
        {
            "policy": data.policy,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "leave_date": data.leave_date,
            "decision_date": data.decision_date,
            "social_insurance_months": si_months,
            "salary": salary,
            "monthly_salary_vnd": data.monthly_salary_vnd,
            "entered_amount_vnd": data.entered_amount_vnd,
        }
    )
    result = calculate(request)
    inputs: dict[str, Any] = {k: jsonable(v) for k, v in request.model_dump(exclude_none=True).items() if k != "salary"}
    if salary is not None:
        inputs["salary"] = {k: jsonable(v) for k, v in salary.items()}
    case = StreamliningCase(
        person_id=person.id,
        policy=data.policy,
        status=CaseStatus.PROPOSED,
        reason=data.reason,
        proposed_on=data.proposed_on or date.today(),
        leave_date=data.leave_date,
        rule_version=result.rule_version,
        inputs=inputs,
        result=result.model_dump(mode="json"),
        amount_vnd=result.total_vnd,
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    session.add(case)
    await session.flush()
    await audit.record(session, principal, entity_type=ENTITY_CASE, entity_id=case.id, action="create", after=snapshot(case))
    return case


async def transition(
    session: AsyncSession, audit: AuditTrail, principal: Principal, case: StreamliningCase, step: CaseTransition
) -> StreamliningCase:
    found = STEPS.get((step.action, case.status))
    if found is None:
        raise CaseStepNotAllowed(f"A {case.status.value} case cannot be sent to {step.action.value}")
    target, roles = found
    if principal.role not in roles:
        raise RoleNotAllowed(f"The role {principal.role.value} may not {step.action.value} a {case.status.value} case")
    before = snapshot(case)
    case.status = target
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CASE,
        entity_id=case.id,
        action=step.action.value,
        before=before,
        after=snapshot(case) | {"note": step.note},
    )
    return case
