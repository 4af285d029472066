"""The rules of streamlining cases: one open case per person, the entitlement kept with its inputs and rule version.

A case is calculated once with the current rule version and keeps it: a change of its inputs
recalculates it with that same version, and only an explicit ``rule_version`` moves it to
another. Approved and paid cases are not changed at all.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal, RoleNotAllowed
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.paging import Page, page_of
from haicap_shared.procedures.service import ProcedureCatalogue
from haicap_shared.procedures.status import ProcedureStatus

from ..careers import repository as career_repository
from ..conduct import service as conduct_service
from ..people import repository as people_repository
from ..people.access import check_person
from ..people.models import Person, Sex
from ..workflow_dossiers import DOSSIERS, STREAMLINING_CASE, summary_field
from . import entitlement, repository, rules
from .access import cases_visible, check_case
from .models import CaseStatus, Policy, StreamliningCase
from .schemas import CalculationRequest, CaseAction, CaseCreate, CaseTransition, CaseUpdate
from .schemas import StreamliningCase as CaseOut
from .steps import STEPS

ENTITY_CASE = "streamlining_case"
DOSSIER_STEPS = {CaseAction.APPROVE: ProcedureStatus.DONE, CaseAction.WITHDRAW: ProcedureStatus.RETURNED}
"""The step of its dossier each step of a case makes (paying an approved case makes none: its dossier is done)."""


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


class CaseNotEditable(Conflict):
    code, title = "case_not_editable", "Only a proposed case can be changed; an approved or paid one keeps its amounts"


class ImpossibleInput(BadRequest):
    code, title = "impossible_input", "An input cannot be true (each field is named, with why)"


class RecordImpossible(Conflict):
    code, title = "person_record_impossible", "The person's record gives an input that cannot be true (each field named)"


class UnknownRuleVersion(BadRequest):
    code, title = "unknown_rule_version", "The calculator has no rule version of this name"


class PolicyExcluded(Conflict):
    """The person belongs to a group the policy is refused to on the proposal date (each group has its code)."""

    code, title = "policy_excluded", "The person is in a group this policy is refused to"


class UnderDiscipline(PolicyExcluded):
    code, title = "person_under_discipline", "The person is under a discipline in effect on the proposal date"


class TasksNotCompleted(PolicyExcluded):
    code, title = "person_tasks_not_completed", "The person's last evaluation is 'không hoàn thành nhiệm vụ'"


class CareerEventMissing(Conflict):
    code, title = "career_event_not_found", "No such career event"


class CareerEventOfAnother(Conflict):
    code, title = "career_event_of_another_person", "The career event is another person's"


EXCLUSIONS = (UnderDiscipline, TasksNotCompleted)
CALCULATOR_PROBLEMS = (PolicyNotApplicable, SalaryMissing, ImpossibleInput, UnknownRuleVersion)
CASE_INPUT_PROBLEMS = (*CALCULATOR_PROBLEMS, RecordImpossible)


def _rules(version: str | None) -> rules.RuleSet:
    if version is None:
        return rules.CURRENT
    try:
        return rules.rules_for(version)
    except rules.UnknownRuleVersion as exc:
        raise UnknownRuleVersion(
            f"No rule version {version!r}; the table has {', '.join(rules.RULES)}", field="rule_version"
        ) from exc


def _compute(inputs: entitlement.Inputs, rule_set: rules.RuleSet, from_record: dict[str, str]) -> entitlement.Entitlement:
    """The calculator, its outcomes as problems; ``from_record`` maps the inputs taken from the person's record."""
    try:
        return entitlement.calculate(inputs, rule_set)
    except entitlement.Impossible as exc:
        raise _impossible(exc, from_record) from exc
    except entitlement.NotApplicable as exc:
        raise PolicyNotApplicable(str(exc), field=exc.field) from exc


def _impossible(exc: entitlement.Impossible, from_record: dict[str, str]) -> ImpossibleInput | RecordImpossible:
    # NOTE: an impossible value in the request is a malformed request (422); one that comes
    # from the person's stored record is a conflict with that record (409), to be corrected there.
    # NOTE: each item has the shared shape of a problem's `errors` (location, message, type),
    # and says which field it is, why, and whether it came from the request or the record.
    errors = [
        {
            "location": ["record" if v.field in from_record else "body", from_record.get(v.field, v.field)],
            "message": v.reason,
            "type": "impossible_value",
            "field": from_record.get(v.field, v.field),
            "reason": v.reason,
            "source": "person_record" if v.field in from_record else "request",
        }
        for v in exc.violations
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    if all(e["source"] == "person_record" for e in errors):
        return RecordImpossible(detail, field=errors[0]["field"], errors=errors)
    return ImpossibleInput(detail, field=errors[0]["field"], errors=errors)


def _salary(parts: dict[str, Any], prefix: str) -> Decimal:
    salary = entitlement.Salary(
        Decimal(str(parts["base_salary_vnd"])),
        Decimal(str(parts["salary_coefficient"])),
        Decimal(str(parts.get("position_allowance") or 0)),
        Decimal(str(parts.get("seniority_percent") or 0)),
        Decimal(str(parts.get("allowance_percent") or 0)),
    )
    try:
        entitlement.check_salary(salary)
    except entitlement.Impossible as exc:
        raise _impossible(
            entitlement.Impossible([entitlement.Violation(prefix + v.field, v.reason) for v in exc.violations]),
            {"salary_coefficient": "salary_coefficient"} if not prefix else {},
        ) from exc
    return salary.monthly()


def calculate(request: CalculationRequest) -> entitlement.Entitlement:
    """A preview: the calculator on explicit inputs, with the rule version asked for (the current one by default)."""
    rule_set = _rules(request.rule_version)
    if request.monthly_salary_vnd is not None:
        monthly = request.monthly_salary_vnd
    elif request.salary is not None:
        monthly = _salary(request.salary.model_dump(), "salary.")
    else:
        raise SalaryMissing("Give salary (coefficients) or monthly_salary_vnd")
    inputs = entitlement.Inputs(
        policy=request.policy,
        birth_date=request.birth_date,
        sex=request.sex,
        leave_date=request.leave_date,
        decision_date=request.decision_date,
        social_insurance_months=request.social_insurance_months,
        monthly_salary=monthly,
        entered_amount=request.entered_amount_vnd,
        difficult_area_months=request.difficult_area_months,
        hazardous_job_months=request.hazardous_job_months,
    )
    return _compute(inputs, rule_set, {})


async def get_case(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> StreamliningCase:
    case = await repository.get_case(session, case_id)
    if case is None:
        raise CaseNotFound(f"No streamlining case has id {case_id}")
    check_case(principal, case)
    return case


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    person_id: uuid.UUID | None,
    policy: Policy | None,
    status: CaseStatus | None,
    limit: int,
    cursor: str | None,
) -> Page[CaseOut]:
    """One page of the cases in the caller's area, by the date proposed."""
    rows, next_cursor = await repository.page_cases(
        session,
        cases_visible(principal),
        province=province,
        person_id=person_id,
        policy=policy,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    page = page_of(CaseOut, rows, next_cursor)
    await DOSSIERS.with_summaries(session, STREAMLINING_CASE, page.items)
    return page


async def case_out(session: AsyncSession, case: StreamliningCase) -> CaseOut:
    """The case as its responses show it, with the summary of its dossier."""
    return await DOSSIERS.shown(session, STREAMLINING_CASE, case, CaseOut)


def _calculate_stored(stored: dict[str, Any], rule_set: rules.RuleSet) -> entitlement.Entitlement:
    """The entitlement of a case's kept inputs (filling in the months of social insurance when they come from the record).

    The kept inputs are what the case shows: the person's birth date, sex and salary parts as
    they were when it was calculated, so a recalculation with the same version gives the same
    amounts.
    """
    from_record = {"birth_date": "birth_date", "sex": "sex"}
    leave = date.fromisoformat(stored["leave_date"])
    if "social_insurance_start_date" in stored:
        stored["social_insurance_months"] = entitlement.whole_months(
            date.fromisoformat(stored["social_insurance_start_date"]), leave
        )
        from_record["social_insurance_months"] = "social_insurance_start_date"
    if "monthly_salary_vnd" in stored:
        monthly = Decimal(str(stored["monthly_salary_vnd"]))
    elif "salary" in stored:
        monthly = _salary(stored["salary"], "")
    else:
        raise SalaryMissing("Record the person's salary coefficient or give monthly_salary_vnd")
    entered = stored.get("entered_amount_vnd")
    inputs = entitlement.Inputs(
        policy=Policy(stored["policy"]),
        birth_date=date.fromisoformat(stored["birth_date"]),
        sex=Sex(stored["sex"]),
        leave_date=leave,
        decision_date=date.fromisoformat(stored["decision_date"]),
        social_insurance_months=int(stored.get("social_insurance_months", 0)),
        monthly_salary=monthly,
        entered_amount=None if entered is None else Decimal(str(entered)),
        difficult_area_months=int(stored.get("difficult_area_months", 0)),
        hazardous_job_months=int(stored.get("hazardous_job_months", 0)),
    )
    return _compute(inputs, rule_set, from_record)


def _record_salary(person: Person, base_salary: Decimal) -> dict[str, Any] | None:
    if person.salary_coefficient is None:
        return None
    return {
        "base_salary_vnd": jsonable(base_salary),
        "salary_coefficient": jsonable(person.salary_coefficient),
        "position_allowance": jsonable(person.position_allowance or Decimal(0)),
        "seniority_percent": jsonable(person.seniority_percent or Decimal(0)),
        "allowance_percent": jsonable(person.allowance_percent or Decimal(0)),
    }


def _apply_result(case: StreamliningCase, stored: dict[str, Any], result: entitlement.Entitlement) -> None:
    case.leave_date = date.fromisoformat(stored["leave_date"])
    case.rule_version = result.rule_version
    case.inputs = stored
    case.result = result.model_dump(mode="json")
    case.amount_vnd = result.total_vnd
    case.difficult_area_months = int(stored.get("difficult_area_months", 0))
    case.hazardous_job_months = int(stored.get("hazardous_job_months", 0))
    case.retirement_age_basis = result.retirement_age_basis.value


async def create_case(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    data: CaseCreate,
    catalogue: ProcedureCatalogue,
    *,
    default_base_salary: Decimal,
) -> StreamliningCase:
    """Propose a person's case, calculated with the current rules; with ``procedure``, the dossier it came under opens."""
    person = await people_repository.get_person(session, data.person_id)
    if person is None:
        raise PersonMissing(f"No person has id {data.person_id}")
    check_person(principal, person)
    if (existing := await repository.open_case_of(session, person.id)) is not None:
        raise CaseExists(f"{person.full_name} has case {existing.id} ({existing.status.value})", case_id=str(existing.id))
    proposed_on = data.proposed_on or date.today()
    await check_not_excluded(session, person, data.policy, proposed_on)
    if data.career_event_id is not None:
        await _check_career_event(session, person, data.career_event_id)
    stored: dict[str, Any] = {
        "policy": data.policy.value,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex.value,
        "leave_date": data.leave_date.isoformat(),
        "decision_date": data.decision_date.isoformat(),
        "difficult_area_months": data.difficult_area_months,
        "hazardous_job_months": data.hazardous_job_months,
    }
    if data.social_insurance_months is not None:
        stored["social_insurance_months"] = data.social_insurance_months
    elif person.social_insurance_start_date is not None:
        stored["social_insurance_start_date"] = person.social_insurance_start_date.isoformat()
    if data.monthly_salary_vnd is not None:
        stored["monthly_salary_vnd"] = jsonable(data.monthly_salary_vnd)
    elif (salary := _record_salary(person, data.base_salary_vnd or default_base_salary)) is not None:
        stored["salary"] = salary
    if data.entered_amount_vnd is not None:
        stored["entered_amount_vnd"] = jsonable(data.entered_amount_vnd)
    result = _calculate_stored(stored, rules.CURRENT)
    case = StreamliningCase(
        person_id=person.id,
        policy=data.policy,
        status=CaseStatus.PROPOSED,
        reason=data.reason,
        proposed_on=proposed_on,
        career_event_id=data.career_event_id,
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    _apply_result(case, stored, result)
    session.add(case)
    await session.flush()
    opened = None
    if data.procedure is not None:
        opened = await DOSSIERS.open(session, audit, principal, catalogue, data.procedure, STREAMLINING_CASE, case)
    after = snapshot(case) | summary_field(opened)
    await audit.record(session, principal, entity_type=ENTITY_CASE, entity_id=case.id, action="create", after=after)
    return case


async def check_not_excluded(session: AsyncSession, person: Person, policy: Policy, on: date) -> None:
    """Refuse the resignation policy (Nghị định 178/2024 Art. 9 as amended) to the excluded groups haicap can see on ``on``.

    - under a discipline in effect on ``on`` (``conduct``: taken effect, its effect not ended);
    - evaluated "không hoàn thành nhiệm vụ" in their last evaluation made by ``on``.

    The other groups the rules name (under investigation, prosecution or trial; under
    inspection or audit) are not recorded in haicap and cannot be checked here.
    """
    if policy is not Policy.RESIGNATION:
        return
    if disciplines := await conduct_service.under_discipline(session, person.id, on):
        first = disciplines[0]
        until = f"until {first.effect_end_date}" if first.effect_end_date else "with no end"
        raise UnderDiscipline(
            f"On {on} the person is under discipline {first.form_code!r} (decision {first.decision_number}, in effect {until})",
            discipline_id=str(first.id),
        )
    if (last := await conduct_service.tasks_not_completed(session, person.id, on)) is not None:
        raise TasksNotCompleted(
            f"The person's evaluation for {last.year} is 'không hoàn thành nhiệm vụ'", evaluation_id=str(last.id)
        )


async def _check_career_event(session: AsyncSession, person: Person, event_id: uuid.UUID) -> None:
    """The career event named by a case exists and is the same person's."""
    owners = await career_repository.event_people(session, [event_id])
    if event_id not in owners:
        raise CareerEventMissing(f"No career event has id {event_id}")
    if owners[event_id] != person.id:
        raise CareerEventOfAnother(f"The career event {event_id} is not this person's")


async def update_case(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    case: StreamliningCase,
    changes: CaseUpdate,
    *,
    default_base_salary: Decimal,
) -> StreamliningCase:
    """Change a proposed case; a change of its inputs recalculates it with its own rule version, unless another is asked for."""
    if case.status is not CaseStatus.PROPOSED:
        raise CaseNotEditable(f"The case is {case.status.value}; it keeps the amounts of {case.rule_version}")
    fields = changes.model_dump(exclude_unset=True)
    before = await DOSSIERS.audited(session, STREAMLINING_CASE, case)
    if "reason" in fields:
        case.reason = fields.pop("reason")
    version = fields.pop("rule_version", None)
    if fields or version is not None:
        rule_set = _rules(version or case.rule_version)
        stored = await _changed_inputs(session, case, fields, default_base_salary)
        _apply_result(case, stored, _calculate_stored(stored, rule_set))
    await session.flush()
    after = await DOSSIERS.audited(session, STREAMLINING_CASE, case)
    await audit.record(
        session, principal, entity_type=ENTITY_CASE, entity_id=case.id, action="update", before=before, after=after
    )
    return case


async def _changed_inputs(
    session: AsyncSession, case: StreamliningCase, fields: dict[str, Any], default_base_salary: Decimal
) -> dict[str, Any]:
    stored = dict(case.inputs)
    for name in ("leave_date", "decision_date"):
        if name in fields:
            if fields[name] is None:
                raise BadRequest(f"{name} cannot be emptied", code="field_required", field=name)
            stored[name] = fields[name].isoformat()
    for name in ("difficult_area_months", "hazardous_job_months"):
        if name in fields:
            stored[name] = fields[name] or 0
    person = None
    if any(fields.get(name, 0) is None for name in ("social_insurance_months", "monthly_salary_vnd")):
        person = await people_repository.get_person(session, case.person_id)
    if "social_insurance_months" in fields:
        stored.pop("social_insurance_start_date", None)
        stored.pop("social_insurance_months", None)
        if fields["social_insurance_months"] is not None:
            stored["social_insurance_months"] = fields["social_insurance_months"]
        elif person is not None and person.social_insurance_start_date is not None:
            stored["social_insurance_start_date"] = person.social_insurance_start_date.isoformat()
    base = fields.get("base_salary_vnd")
    if "monthly_salary_vnd" in fields:
        stored.pop("monthly_salary_vnd", None)
        stored.pop("salary", None)
        if fields["monthly_salary_vnd"] is not None:
            stored["monthly_salary_vnd"] = jsonable(fields["monthly_salary_vnd"])
        elif person is not None and (salary := _record_salary(person, base or default_base_salary)) is not None:
            stored["salary"] = salary
    elif base is not None and "salary" in stored:
        stored["salary"] = stored["salary"] | {"base_salary_vnd": jsonable(base)}
    if "entered_amount_vnd" in fields:
        stored.pop("entered_amount_vnd", None)
        if fields["entered_amount_vnd"] is not None:
            stored["entered_amount_vnd"] = jsonable(fields["entered_amount_vnd"])
    return stored


async def transition(
    session: AsyncSession, audit: AuditTrail, principal: Principal, case: StreamliningCase, step: CaseTransition
) -> StreamliningCase:
    found = STEPS.get((step.action, case.status))
    if found is None:
        raise CaseStepNotAllowed(f"A {case.status.value} case cannot be sent to {step.action.value}")
    target, roles = found
    if principal.role not in roles:
        raise RoleNotAllowed(f"The role {principal.role.value} may not {step.action.value} a {case.status.value} case")
    before = await DOSSIERS.audited(session, STREAMLINING_CASE, case)
    case.status = target
    await session.flush()
    if (dossier_step := DOSSIER_STEPS.get(step.action)) is not None:
        await DOSSIERS.follow(session, audit, principal, STREAMLINING_CASE, case.id, dossier_step, step.note)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CASE,
        entity_id=case.id,
        action=step.action.value,
        before=before,
        after=await DOSSIERS.audited(session, STREAMLINING_CASE, case) | {"note": step.note},
    )
    return case
