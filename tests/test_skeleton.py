"""The skeleton every service follows, checked on the source (in process, no service started).

Each rule is a function of a package's folder returning its violations as ``path:line: what``;
one test per rule and service lists them all, and a fake service tree with one deliberate
violation per rule proves each rule fails (``test_each_rule_fails_on_a_deliberate_violation``).
The rules, as the root README's layout section states them:

- a. a query (``select``/``insert``/``update``/``delete``/``text`` from sqlalchemy, ``.execute(``,
  ``.stream(``, ``session.scalar(s)(``) only in a module named ``repository.py`` (reporting has no
  database: no query anywhere);
- b. a domain folder (a subpackage with ``router.py``) has ``__init__.py``, ``schemas.py``,
  ``repository.py`` (but in a service without a database), ``service.py``, ``router.py`` and
  ``access.py``;
- c. no module named ``auth.py`` (who may read and write lives in ``access.py``);
- d. no code regex (a pattern of digits only, such as ``^\\d{2}$`` or ``^[0-9]{12}$``) given to
  ``StringConstraints``, ``constr``, ``Field``, ``Query``, ``Path`` or ``re.compile`` outside
  ``haicap_shared`` (the codes come from ``haicap_shared.codes``, the national id from
  ``haicap_shared.values``);
- e. a domain package's docstring says what it holds (four words or more, not its name);
- f. no ``range(0, len(...), n)`` batching (``haicap_shared.batching``), no hand-written
  "in force" condition (``haicap_shared.validity``): a ``*valid_from``/``*valid_to`` column
  tested for NULL in SQL, or a condition joining an open-end test of one with an ordering of one;
  and no list filter added by hand when its value is given (``if x is not None: stmt =
  stmt.where(column == x)``, ``haicap_shared.filters.where_given``);
- g. no service imports another service's package; ``haicap_shared`` imports no service.

Files are parsed with ``ast``: a word in a string or a docstring is not code, and a name counts
as a query only when it is imported from sqlalchemy (a local function called ``update`` is not).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "org-structure": ROOT / "services/org-structure/src/haicap_org_structure",
    "personnel": ROOT / "services/personnel/src/haicap_personnel",
    "assets": ROOT / "services/assets/src/haicap_assets",
    "reporting": ROOT / "services/reporting/src/haicap_reporting",
}
# NOTE: the vocabulary rules (d, f, g) hold in the gateway too. The scenario is no service: it
# reads the services' own code to write data their rules accept (haicap-scenario national).
OTHER_PACKAGES = {"gateway": ROOT / "gateway/src/haicap_gateway"}
SHARED = ROOT / "shared/src/haicap_shared"
SERVICE_PACKAGES = frozenset(path.name for path in (*SERVICES.values(), *OTHER_PACKAGES.values())) | {"haicap_scenario"}
# NOTE: a service without a database (reporting) may not query at all.
WITHOUT_DATABASE = frozenset({"haicap_reporting"})

DOMAIN_FILES = ("__init__.py", "schemas.py", "repository.py", "service.py", "router.py", "access.py")
QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})
QUERY_METHODS = frozenset({"execute", "exec_driver_sql"})
SESSION_METHODS = frozenset({"scalar", "scalars", "stream", "stream_scalars"})
CODE_CONSTRAINTS = frozenset({"StringConstraints", "constr", "Field", "Query", "Path", "Header", "Body", "Form"})
# NOTE: what a regex of digits only is made of; anything left after removing these (a letter
# class, a separator) makes it a format of its own (a number plate, a decimal), not a code.
_DIGITS_ONLY_PARTS = re.compile(r"\\d|\[0-9\]|\{\d+(,\d*)?\}|\(\?:|\\\*|[\^$()|?+*]")
_DIGITS = re.compile(r"\\d\{|\[0-9\]")
_VALIDITY_NAME = re.compile(r"valid_(from|to)$")
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass(frozen=True)
class Module:
    path: Path
    tree: ast.Module

    def where(self, node: ast.AST) -> str:
        return f"{_shown(self.path)}:{getattr(node, 'lineno', 1)}"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def modules(package: Path) -> Iterator[Module]:
    """Every module of ``package``, migrations aside."""
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.relative_to(package).parts:
            continue
        yield Module(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))


def domains(package: Path) -> list[Path]:
    """The domain folders: subpackages holding a ``router.py``."""
    return sorted(
        router.parent for router in package.rglob("router.py") if router.parent != package and "migrations" not in router.parts
    )


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it names, dotted (``select`` -> ``sqlalchemy.select``, ``sa`` -> ``sqlalchemy``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _names_bound_by_imports(tree: ast.Module) -> set[str]:
    """Every name an import binds, relative imports included (``from . import service`` -> ``service``)."""
    return {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }


def _dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    """What a called name or attribute chain names, resolved through the imports."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


def _receiver(node: ast.AST) -> str:
    """The last name of what a method is called on (``self.session.scalar`` -> ``session``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _calls(module: Module) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(module.tree) if isinstance(node, ast.Call))


# --- the rules -----------------------------------------------------------------------------


def queries_outside_repositories(package: Path) -> list[str]:
    """a. Queries only in ``repository.py`` (none at all in a service without a database)."""
    found: list[str] = []
    anywhere = package.name in WITHOUT_DATABASE
    for module in modules(package):
        if module.path.name == "repository.py" and not anywhere:
            continue
        names = _imported_names(module.tree)
        local_imports = _names_bound_by_imports(module.tree)
        for call in _calls(module):
            target = _dotted(call.func, names)
            if target and target.startswith("sqlalchemy.") and target.rsplit(".", 1)[1] in QUERY_BUILDERS:
                found.append(f"{module.where(call)}: {target.rsplit('.', 1)[1]}( outside a repository")
            elif isinstance(call.func, ast.Attribute):
                method, receiver = call.func.attr, _receiver(call.func.value).lower()
                session_like = "session" in receiver or "conn" in receiver
                # NOTE: ``service.execute(...)`` is a module's function (a disposition carried out), not SQL.
                on_module = isinstance(call.func.value, ast.Name) and call.func.value.id in local_imports
                if (method in QUERY_METHODS and not on_module) or (method in SESSION_METHODS and session_like):
                    found.append(f"{module.where(call)}: .{method}( outside a repository")
    return found


def incomplete_domains(package: Path) -> list[str]:
    """b. Every domain folder has the standard files."""
    found: list[str] = []
    # NOTE: a service without a database has no queries, so no repository.py.
    wanted = [name for name in DOMAIN_FILES if not (name == "repository.py" and package.name in WITHOUT_DATABASE)]
    for domain in domains(package):
        missing = [name for name in wanted if not (domain / name).is_file()]
        if missing:
            found.append(f"{_shown(domain)}: a domain without {', '.join(missing)}")
    return found


def auth_modules(package: Path) -> list[str]:
    """c. No ``auth.py``: a domain's access rules are its ``access.py``."""
    return [
        f"{_shown(path)}:1: auth.py (access rules live in the domain's access.py)"
        for path in sorted(package.rglob("auth.py"))
        if "migrations" not in path.relative_to(package).parts
    ]


def is_code_regex(pattern: str) -> bool:
    """A pattern of digits only (``^\\d{2}$``, ``^\\d{2}(\\d|\\d{3})?$``, ``^(?:[0-9]{12}|\\*{9}[0-9]{3})$``)."""
    return bool(_DIGITS.search(pattern)) and not _DIGITS_ONLY_PARTS.sub("", pattern)


def _string_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            constants.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    return constants


def code_regexes(package: Path) -> list[str]:
    """d. No code regex outside ``haicap_shared``."""
    found: list[str] = []
    for module in modules(package):
        names, constants = _imported_names(module.tree), _string_constants(module.tree)

        def text_of(node: ast.AST, constants: dict[str, str] = constants) -> str | None:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name):
                return constants.get(node.id)
            return None

        for call in _calls(module):
            target = _dotted(call.func, names) or ""
            called = target.rsplit(".", 1)[-1] if target else getattr(call.func, "id", getattr(call.func, "attr", ""))
            patterns: list[ast.AST] = []
            if called in CODE_CONSTRAINTS:
                patterns = [k.value for k in call.keywords if k.arg in ("pattern", "regex")]
            elif target in ("re.compile", "re.fullmatch", "re.match", "re.search") and call.args:
                patterns = [call.args[0]]
            for node in patterns:
                text = text_of(node)
                if text is not None and is_code_regex(text):
                    found.append(f"{module.where(call)}: code regex {text!r} (use haicap_shared.codes or haicap_shared.values)")
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def undescribed_domains(package: Path) -> list[str]:
    """e. A domain package's docstring says what it holds."""
    found: list[str] = []
    for domain in domains(package):
        init = domain / "__init__.py"
        if not init.is_file():
            continue  # NOTE: rule b names the missing file
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        words = _words(docstring.lower())
        if len(words) < 4 or words == _words(domain.name.lower().replace("_", " ")):
            found.append(f"{_shown(init)}:1: the docstring {docstring!r} does not say what the domain holds")
    return found


def _is_validity_value(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return bool(_VALIDITY_NAME.search(name))


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _sql_null_check(node: ast.AST) -> bool:
    """``valid_to.is_(None)``, ``.is_not(None)``, ``valid_to == None``: a validity column tested for NULL in SQL."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (
            node.func.attr in ("is_", "is_not", "isnot")
            and _is_validity_value(node.func.value)
            and bool(node.args)
            and _is_none(node.args[0])
        )
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        return (
            any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops)
            and any(map(_is_none, operands))
            and any(map(_is_validity_value, operands))
        )
    return False


def _open_end_check(node: ast.AST) -> bool:
    """An end tested for being open, in SQL or in Python (``x.valid_to is None``, or ``x.valid_to`` as a truth value)."""
    if _sql_null_check(node) or _is_validity_value(node):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _open_end_check(node.operand)
    if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
        return any(map(_is_validity_value, [node.left, *node.comparators]))
    return False


def _validity_ordering(node: ast.AST) -> bool:
    """A comparison ordering a validity value, alone or inside this condition."""
    return any(
        isinstance(sub, ast.Compare)
        and any(isinstance(op, _ORDERING) for op in sub.ops)
        and any(map(_is_validity_value, [sub.left, *sub.comparators]))
        for sub in ast.walk(node)
    )


def _condition_parts(node: ast.AST) -> list[ast.AST] | None:
    """The operands of ``a or b`` / ``a and b`` / ``or_(a, b)`` / ``and_(a, b)``; None for anything else."""
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("or_", "and_"):
        return list(node.args)
    return None


def _given_filter(node: ast.AST) -> bool:
    """``if x is not None: stmt = stmt.where(column == x)``, alone in its ``if``."""
    if not (isinstance(node, ast.If) and not node.orelse and len(node.body) == 1 and isinstance(node.body[0], ast.Assign)):
        return False
    test, call = node.test, node.body[0].value
    if not (isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.IsNot) and _is_none(test.comparators[0])):
        return False
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "where"):
        return False
    if len(call.args) != 1:
        return False
    condition = call.args[0]
    return (
        isinstance(condition, ast.Compare)
        and isinstance(condition.ops[0], ast.Eq)
        and ast.dump(test.left) in {ast.dump(side) for side in (condition.left, *condition.comparators)}
    )


def _sum_of_ones(node: ast.AST) -> bool:
    """``func.sum(case((condition, 1), else_=0))``: a conditional count, each value of the CASE a 0 or a 1."""
    if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "sum" and node.args):
        return False
    inner = node.args[0]
    if not (isinstance(inner, ast.Call) and getattr(inner.func, "attr", getattr(inner.func, "id", "")) == "case"):
        return False
    values = [w.elts[1] for w in inner.args if isinstance(w, ast.Tuple) and len(w.elts) == 2]
    values += [k.value for k in inner.keywords if k.arg == "else_"]
    return bool(values) and all(isinstance(v, ast.Constant) and v.value in (0, 1) for v in values)


def hand_written_vocabulary(package: Path) -> list[str]:
    """f. Batching, "in force" conditions, list filters and conditional counts come from haicap_shared (batching,
    validity, filters, aggregates).

    An "in force" condition is a validity column tested for NULL in SQL (the start of every
    hand-written one: ``valid_to.is_(None)``), or a condition joining an open-end test of a
    validity value with an ordering of one (``valid_from is None or valid_from <= day``,
    ``valid_from and valid_to and valid_to < valid_from``). A validity date compared alone
    (a new placement must start after the current one) is a domain rule, not one of these.
    """
    found: list[str] = []
    for module in modules(package):
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "range"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == 0
                and isinstance(node.args[1], ast.Call)
                and getattr(node.args[1].func, "id", "") == "len"
            ):
                found.append(f"{module.where(node)}: range(0, len(...)) batching (use haicap_shared.batching.in_batches)")
            if _given_filter(node):
                found.append(f"{module.where(node)}: a list filter added by hand (use haicap_shared.filters.where_given)")
            if _sum_of_ones(node):
                found.append(f"{module.where(node)}: a count written as a sum of CASE (use haicap_shared.aggregates.count_where)")
            if _sql_null_check(node):
                found.append(f"{module.where(node)}: a validity column tested for NULL (use haicap_shared.validity)")
                continue
            parts = _condition_parts(node)
            if parts and any(map(_open_end_check, parts)) and any(map(_validity_ordering, parts)):
                found.append(f"{module.where(node)}: a hand-written validity condition (use haicap_shared.validity)")
    # NOTE: nested conditions (``a is None or (b and c < a)``) are one violation per line.
    return list(dict.fromkeys(found))


def imports_of_services(package: Path) -> list[str]:
    """g. A service imports no other service's package; haicap_shared imports none."""
    forbidden = SERVICE_PACKAGES - {package.name}
    found: list[str] = []
    for module in modules(package):
        for node in ast.walk(module.tree):
            imported: list[str] = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported = [node.module]
            for name in imported:
                if name.split(".")[0] in forbidden:
                    found.append(f"{module.where(node)}: imports {name}")
    return found


RULES: dict[str, Callable[[Path], list[str]]] = {
    "a": queries_outside_repositories,
    "b": incomplete_domains,
    "c": auth_modules,
    "d": code_regexes,
    "e": undescribed_domains,
    "f": hand_written_vocabulary,
    "g": imports_of_services,
}


def skeleton_violations(package_dir: Path) -> list[str]:
    """Every violation of every rule in one service package, each prefixed with its rule."""
    return [f"{rule}. {violation}" for rule, check in RULES.items() for violation in check(package_dir)]


def _assert_none(violations: list[str], what: str) -> None:
    assert not violations, f"{len(violations)} {what}:\n" + "\n".join(violations)


# --- the tree as it is ----------------------------------------------------------------------

SERVICE_IDS = list(SERVICES)
EVERY_PACKAGE = {**SERVICES, **OTHER_PACKAGES}


@pytest.mark.parametrize("service", SERVICE_IDS)
def test_queries_are_in_repositories(service: str) -> None:
    _assert_none(queries_outside_repositories(SERVICES[service]), "queries outside a repository.py")


@pytest.mark.parametrize("service", SERVICE_IDS)
def test_every_domain_has_the_standard_files(service: str) -> None:
    _assert_none(incomplete_domains(SERVICES[service]), "incomplete domains")


@pytest.mark.parametrize("service", SERVICE_IDS)
def test_access_rules_live_in_access_modules(service: str) -> None:
    _assert_none(auth_modules(SERVICES[service]), "auth.py modules")


@pytest.mark.parametrize("package", list(EVERY_PACKAGE))
def test_code_regexes_come_from_the_shared_library(package: str) -> None:
    _assert_none(code_regexes(EVERY_PACKAGE[package]), "code regexes outside haicap_shared")


@pytest.mark.parametrize("service", SERVICE_IDS)
def test_every_domain_says_what_it_holds(service: str) -> None:
    _assert_none(undescribed_domains(SERVICES[service]), "domains without a docstring saying what they hold")


@pytest.mark.parametrize("package", list(EVERY_PACKAGE))
def test_batching_and_validity_come_from_the_shared_library(package: str) -> None:
    _assert_none(hand_written_vocabulary(EVERY_PACKAGE[package]), "hand-written batches or validity conditions")


@pytest.mark.parametrize("package", [*EVERY_PACKAGE, "shared"])
def test_no_package_imports_a_service(package: str) -> None:
    _assert_none(imports_of_services({**EVERY_PACKAGE, "shared": SHARED}[package]), "imports of another service")


# --- each rule fails on a deliberate violation ----------------------------------------------

_CLEAN_DOMAIN = {
    "__init__.py": '"""Notes: what callers write down about a unit, and who may read them."""\n',
    "schemas.py": (
        '"""Bodies."""\n'
        "from typing import Annotated\n"
        "from pydantic import Field\n"
        "from haicap_shared.codes import ProvinceCode\n"
        'Province = Annotated[ProvinceCode, Field(description="select(x) in a string is no query")]\n'
        'Plate = Annotated[str, Field(pattern=r"^(\\d{2})([A-Z]{1,2})(\\d{4,5})$")]\n'
    ),
    "repository.py": (
        "from sqlalchemy import select, update\n"
        "async def notes(session, table):\n"
        "    await session.execute(update(table).values(seen=True))\n"
        "    return (await session.scalars(select(table))).all()\n"
    ),
    "service.py": (
        '"""The rules; a local update() is not sqlalchemy\'s."""\n'
        "from haicap_shared.batching import in_batches\n"
        "from haicap_shared.validity import Interval\n"
        "def update(note, **changes):\n"
        "    return {**note, **changes}\n"
        "def current(notes, day, ids):\n"
        "    batches = list(in_batches(ids))\n"
        "    return [update(n) for n in notes if Interval.of(n).contains(day) and n.valid_to is None], batches\n"
    ),
    "router.py": "from . import service\n",
    "access.py": "from haicap_shared.auth import RecordsRead\n",
}

# NOTE: (rule, file changed, its new text or None to delete it, how many violations it holds)
_VIOLATIONS: list[tuple[str, str, str | None, int]] = [
    (
        "a",
        "notes/service.py",
        "from sqlalchemy import select as pick\nasync def f(session, t):\n    return await session.scalars(pick(t))\n",
        2,
    ),
    ("a", "notes/importer.py", "import sqlalchemy as sa\ndef f(conn, t):\n    conn.execute(sa.text('DELETE FROM t'))\n", 2),
    ("a", "notes/router.py", "from sqlalchemy.dialects.postgresql import insert\ndef f(t):\n    return insert(t)\n", 1),
    ("a", "notes/service.py", "async def f(self, stmt):\n    return await self.session.stream(stmt)\n", 1),
    ("b", "notes/access.py", None, 1),
    ("b", "notes/repository.py", None, 1),
    ("c", "notes/auth.py", '"""Roles."""\n', 1),
    ("c", "auth.py", '"""Roles of the whole service."""\n', 1),
    ("d", "notes/schemas.py", 'from pydantic import Field\nCode = Field(pattern=r"^\\d{5}$")\n', 1),
    ("d", "notes/router.py", 'from fastapi import Query\nP = Query(pattern=r"^\\d{2}(\\d|\\d{3})?$")\n', 1),
    ("d", "notes/ids.py", 'import re\n_ID = r"^[0-9]{12}$"\nID = re.compile(_ID)\n', 1),
    ("d", "notes/types.py", 'from pydantic import constr\nCode = constr(pattern=r"^\\d{3}$")\n', 1),
    ("e", "notes/__init__.py", '"""Notes."""\n', 1),
    ("e", "notes/__init__.py", "", 1),
    ("f", "notes/service.py", "def f(t, day):\n    return t.c.valid_to.is_(None) | (t.c.valid_from <= day)\n", 1),
    ("f", "notes/service.py", "def f(u, day):\n    return (u.valid_from is None or u.valid_from <= day) and True\n", 1),
    ("f", "notes/service.py", "def f(valid_from, valid_to):\n    return valid_from and valid_to and valid_to < valid_from\n", 1),
    ("f", "notes/repository.py", "def f(ids):\n    for start in range(0, len(ids), 500):\n        yield ids[start:]\n", 1),
    ("f", "notes/repository.py", "from sqlalchemy import case, func\nDONE = func.sum(case((T.c.done, 1), else_=0))\n", 1),
    (
        "f",
        "notes/repository.py",
        "def f(stmt, t, filters):\n"
        "    for column, value in ((t.c.kind, filters.kind),):\n"
        "        if value is not None:\n"
        "            stmt = stmt.where(column == value)\n"
        "    if filters.province is not None:\n"
        "        stmt = stmt.where(t.c.province_code == filters.province)\n"
        "    return stmt\n",
        2,
    ),
    ("g", "notes/router.py", "from haicap_personnel.people import service\n", 1),
    ("g", "notes/service.py", "def f():\n    import haicap_gateway.app\n", 1),
]


def _fake_service(root: Path, path: str | None = None, text: str | None = None) -> Path:
    """A service ``haicap_fake`` with one clean domain, ``notes/``; ``path`` replaced by ``text`` (None: deleted)."""
    package = root / "haicap_fake"
    (package / "notes").mkdir(parents=True)
    (package / "__init__.py").write_text('"""A fake service."""\n')
    for name, clean in _CLEAN_DOMAIN.items():
        (package / "notes" / name).write_text(clean)
    if path is not None:
        if text is None:
            (package / path).unlink()
        else:
            (package / path).write_text(text)
    return package


def test_a_clean_fake_service_has_no_violation(tmp_path: Path) -> None:
    assert skeleton_violations(_fake_service(tmp_path)) == []


@pytest.mark.parametrize(("rule", "path", "text", "count"), _VIOLATIONS)
def test_each_rule_fails_on_a_deliberate_violation(tmp_path: Path, rule: str, path: str, text: str | None, count: int) -> None:
    violations = skeleton_violations(_fake_service(tmp_path, path, text))
    assert len(violations) == count, violations
    assert {violation.split(".", 1)[0] for violation in violations} == {rule}, violations


def test_every_rule_is_shown_failing() -> None:
    assert {rule for rule, *_ in _VIOLATIONS} == set(RULES)


def test_what_a_code_regex_is() -> None:
    codes = [r"^\d{2}$", r"^\d{5}$", r"^\d{2}(\d|\d{3})?$", r"^[0-9]{12}$", r"^(?:[0-9]{12}|\*{9}[0-9]{3})$"]
    formats = [r"^(\d{2})([A-Z]{1,2})(\d{4,5})$", r"^\d{1,3}([.,]\d{1,2})?$", r"^\S(.*\S)?$", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"]
    assert [is_code_regex(p) for p in codes] == [True] * len(codes)
    assert [is_code_regex(p) for p in formats] == [False] * len(formats)
