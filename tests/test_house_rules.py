"""The house rules for the library's source (../shared/CONVENTIONS.md, issue 29): small
modules with one job, short functions. Checked on every module of ``sklearn_irnet``."""

import ast
from pathlib import Path

import pytest

import sklearn_irnet

PACKAGE = Path(sklearn_irnet.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 750
MAX_FUNCTION_LINES = 60  # code lines of a function, its docstring not counted


def _function_lengths(source: str):
    """``(name, first line, code lines)`` of every function and method in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            has_docstring = (isinstance(body[0], ast.Expr)
                             and isinstance(body[0].value, ast.Constant)
                             and isinstance(body[0].value.value, str))
            if has_docstring and len(body) == 1:
                continue
            first = body[1].lineno if has_docstring else body[0].lineno
            yield node.name, node.lineno, node.end_lineno - first + 1


def test_the_rules_see_every_module():
    names = {path.relative_to(PACKAGE).as_posix() for path in MODULES}
    assert {"_base.py", "estimator.py", "compare/_runner.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_module_is_small(path):
    n_lines = len(path.read_text().splitlines())
    assert n_lines <= MAX_MODULE_LINES, (
        f"{path.name} has {n_lines} lines (at most {MAX_MODULE_LINES}): split it by job")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_functions_are_short(path):
    long = [f"{name} (line {line}: {n} lines)"
            for name, line, n in _function_lengths(path.read_text()) if n > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} code lines in {path.name}: {long}"


def test_function_length_counts_code_not_docstring():
    source = 'def f():\n    """Doc.\n\n    More.\n    """\n    a = 1\n    return a\n'
    assert list(_function_lengths(source)) == [("f", 1, 2)]
    long = "def g():\n" + "    x = 1\n" * 61
    assert list(_function_lengths(long)) == [("g", 1, 61)]
