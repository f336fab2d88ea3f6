"""The shape of the code a newcomer relies on: no module reaches into another's private helpers,
and no module of the product grows past what one sitting can read (the arrows between packages
and the absence of import cycles are checked by `lint-imports`, .ci/run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("bot", "workflow", "forms", "storage", "pdf", "invoicing", "sandbox")
# sandbox is the local Slack (and ERP), not the product
PRODUCT = ("bot", "workflow", "forms", "storage", "pdf", "invoicing")
MAX_LINES = 600  # about one sitting; a module past it is asking to be split


def _modules(packages: tuple[str, ...]) -> list[Path]:
    found = (p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))
    return sorted(p for p in found if "migrations" not in p.relative_to(ROOT).parts)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _reaches_in(path: Path, me: str = "") -> list[str]:
    """Where the module at path (named me) uses another module's private names: `from x import _y`,
    or `x._y` with x a module of ours it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    me = me or _dotted(path)
    modules: dict[str, str] = {}  # local name → one of our modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in OURS or node.module == me:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                else:  # `from bot import inbox`: inbox may be a module
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OURS and alias.name != me:
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and modules[node.value.id] != me
        ):
            found.append(f"{path.name}:{node.lineno} uses {modules[node.value.id]}.{node.attr}")
    return found


@pytest.mark.parametrize("path", _modules(OURS), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_reaches_into_another_modules_private_helpers(path: Path) -> None:
    assert _reaches_in(path) == []


def test_the_check_sees_a_reach_into_private_helpers(tmp_path: Path) -> None:
    """The check above can fail: a module that imports another's private helper is caught."""
    sample = tmp_path / "probe.py"
    sample.write_text(
        "from bot.listeners.actions import _hidden\nfrom bot import inbox\ninbox._secret()\n_mine()\n",
        encoding="utf-8",
    )
    assert _reaches_in(sample, me="bot.probe") == [
        "probe.py:1 imports bot.listeners.actions._hidden",
        "probe.py:3 uses bot.inbox._secret",
    ]


def test_every_product_module_reads_in_one_sitting() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules(PRODUCT)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules over {MAX_LINES} lines: split them by what they do"
