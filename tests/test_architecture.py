"""Architecture presets, the authors' string notation and parameter counts."""

import pytest

from sklearn_irnet.architecture import (
    PRESETS,
    StackSpec,
    architecture_to_string,
    parse_architecture_string,
    resolve_architecture,
)
from sklearn_irnet.network import DeepRegressionNetwork, count_parameters

# (width, n_layers) stacks of the paper's three depths (IRNET.md, authors' README)
PAPER_STACKS = {
    17: [(1024, 4), (512, 3), (256, 3), (128, 3), (64, 2), (32, 1)],
    24: [(1024, 4), (512, 4), (256, 4), (128, 4), (64, 3), (32, 2), (16, 2)],
    48: [(1024, 4), (1024, 4), (512, 4), (512, 4), (256, 4), (256, 4),
         (128, 4), (128, 4), (64, 4), (64, 4), (32, 4), (16, 3)],
}


@pytest.mark.parametrize("depth", [17, 24, 48])
@pytest.mark.parametrize(
    "family, residual", [("irnet", "individual"), ("srnet", "stacked"), ("plain", "none")]
)
def test_presets_match_paper(depth, family, residual):
    stacks = PRESETS[f"{family}{depth}"]
    assert [(s.width, s.n_layers) for s in stacks] == PAPER_STACKS[depth]
    assert {s.residual for s in stacks} == {residual}
    assert sum(s.n_layers for s in stacks) + 1 == depth  # hidden layers + output layer


@pytest.mark.parametrize(
    "preset, millions",
    [("plain17", 4.71), ("irnet17", 5.55), ("srnet17", 5.55), ("irnet24", 5.91),
     ("plain48", 10.68), ("irnet48", 11.53), ("srnet48", 11.53)],
)
@pytest.mark.slow
def test_parameter_counts_match_paper(preset, millions):
    net = DeepRegressionNetwork(145, PRESETS[preset])
    assert round(count_parameters(net) / 1e6, 2) == millions


def test_authors_strings_reproduce_presets():
    irnet17 = "1024BARx4-512BARx3-256BARx3-128BARx3-64BARx2-32BARx1-1"
    srnet17 = "1024BAx4R-512BAx3R-256BAx3R-128BAx3R-64BAx2R-32BAx1R-1"
    assert parse_architecture_string(irnet17) == (PRESETS["irnet17"], 1)
    assert parse_architecture_string(srnet17) == (PRESETS["srnet17"], 1)
    for name, stacks in PRESETS.items():
        text = architecture_to_string(stacks)
        assert parse_architecture_string(text) == (stacks, 1), name


def test_string_flags_control_batch_norm_and_activation():
    stacks, n_out = parse_architecture_string("64Rx2-32BAx1")
    assert n_out is None
    assert stacks[0] == StackSpec(64, 2, "individual", batch_norm=False, activation=False)
    assert stacks[1] == StackSpec(32, 1, "none", batch_norm=True, activation=True)
    net = DeepRegressionNetwork(5, stacks)
    first_layer = net.body[0].layer
    assert first_layer.norm is None and first_layer.activation is None


@pytest.mark.parametrize(
    "text, bad_token",
    [
        ("1024BARx4-512BZRx3-1", "512BZRx3"),
        ("1024BARx4-abc-1", "abc"),
        ("1024BARx4R-1", "1024BARx4R"),  # individual and stacked residual at once
        ("1024BBARx4", "1024BBARx4"),
        ("1024BARx0-1", "1024BARx0"),
        ("1-1024BARx4", "1"),
    ],
)
def test_bad_strings_name_the_token(text, bad_token):
    with pytest.raises(ValueError, match=f"'{bad_token}'"):
        parse_architecture_string(text)


def test_resolve_sequences_and_conflicts():
    stacks, _ = resolve_architecture([(64, 2), (32, 1)])
    assert [s.residual for s in stacks] == ["individual", "individual"]
    stacks, _ = resolve_architecture(((64, 2),), residual="none")
    assert stacks[0].residual == "none"
    assert resolve_architecture("IRNet17")[0] == PRESETS["irnet17"]
    with pytest.raises(ValueError, match="conflicts"):
        resolve_architecture("irnet17", residual="none")
    with pytest.raises(ValueError, match="Unknown architecture preset 'irnet18'"):
        resolve_architecture("irnet18")
    with pytest.raises(ValueError, match="architecture item 1"):
        resolve_architecture([(64, 2), (32, -1)])
    with pytest.raises(ValueError, match="non-empty sequence"):
        resolve_architecture([])
    with pytest.raises(ValueError, match="residual must be one of"):
        resolve_architecture([(8, 1)], residual="dense")


def test_every_family_of_the_registry_round_trips_and_builds():
    from sklearn_irnet.architecture import RESIDUAL_KINDS
    from sklearn_irnet.network import RESIDUALS, DenseLayer

    assert RESIDUAL_KINDS == tuple(RESIDUALS) == ("individual", "stacked", "none")
    for kind, family in RESIDUALS.items():
        spec = StackSpec(64, 3, kind)
        text = spec.to_string()
        assert text == f"64BA{family.layer_mark}x3{family.stack_mark}"
        assert parse_architecture_string(text) == ((spec,), None)
        assert {s.residual for s in PRESETS[f"{family.preset_prefix}17"]} == {kind}
        layers = [DenseLayer(5, 64), DenseLayer(64, 64), DenseLayer(64, 64)]
        expected = [type(m) for m in family.wire(layers, 5)]
        assert [type(m) for m in DeepRegressionNetwork(5, [spec]).body] == expected
