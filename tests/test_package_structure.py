"""Package structure: no import cycles; one network configuration used by fit and load."""

import ast
from pathlib import Path

import numpy as np

import sklearn_irnet
from sklearn_irnet import IRNetRegressor
from sklearn_irnet.network_config import NetworkConfig

from .conftest import FAST_PARAMS

PACKAGE = Path(sklearn_irnet.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.with_suffix("").relative_to(PACKAGE.parent).parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _relative_imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules that ``path`` imports (relative imports anywhere in the file; a name
    imported from a package that is not a submodule is an import of the package itself)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return found - {name}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt, path + [nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_no_import_cycles_between_modules():
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _relative_imports(p, modules) & modules for p in paths}
    assert "sklearn_irnet.persistence" in graph["sklearn_irnet.estimator"]
    assert _find_cycle(graph) is None, _find_cycle(graph)


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_fit_and_load_share_the_network_configuration(regression_data, tmp_path):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "activation": "gelu", "dropout": 0.1}).fit(X, y)
    config = model.network_config_
    assert config == NetworkConfig.from_params(model.get_params(), n_features=X.shape[1])
    assert (config.activation, config.dropout, config.output_init) == ("gelu", 0.1, "zero")
    restored = IRNetRegressor.load(model.save(tmp_path / "m.safetensors"))
    assert restored.network_config_ == config
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_top_level_surface_is_small_and_documented():
    import sklearn_irnet

    public = set(sklearn_irnet.__all__) - {"__version__"}
    assert public == {"IRNetRegressor", "IRNetClassifier", "DeepEnsembleRegressor",
                      "DeepEnsembleClassifier", "PretrainedPrediction",
                      "PretrainedActivations", "compare_models", "ModelComparison",
                      "PAPER_RECIPE"}
    api = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()
    listed = {line.strip() for line in api.splitlines() if line.startswith("   ")}
    assert public <= listed, f"missing from docs/api.rst: {public - listed}"
    for name in public:
        assert getattr(sklearn_irnet, name) is not None
