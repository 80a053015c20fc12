"""The network diagram and the per-layer gradient norms read the real modules."""

import numpy as np
import pytest
import torch

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.architecture import PRESETS, resolve_architecture
from sklearn_irnet.diagnostics import layer_gradient_norms
from sklearn_irnet.network import DeepRegressionNetwork
from sklearn_irnet.plotting import layer_layout, network_diagram


def _layout(name, n_features=145):
    stacks, _ = resolve_architecture(name)
    return layer_layout(DeepRegressionNetwork(n_features, stacks))


@pytest.mark.parametrize(
    ("name", "n_shortcuts", "n_projections", "parameters"),
    [("irnet17", 16, 6, 5.55e6), ("srnet17", 6, 6, 5.55e6), ("plain17", 0, 0, 4.71e6),
     ("irnet48", 47, 7, 11.53e6), ("srnet48", 12, 7, 11.53e6)],
)
def test_layout_of_the_paper_networks(name, n_shortcuts, n_projections, parameters):
    layout = _layout(name)
    expected_widths = tuple(s.width for s in PRESETS[name] for _ in range(s.n_layers))
    assert layout.widths == expected_widths
    assert len(layout.widths) + 1 == int(name[-2:])  # hidden layers + the output layer
    assert len(layout.shortcuts) == n_shortcuts
    assert sum(s.projection for s in layout.shortcuts) == n_projections
    assert layout.n_parameters == pytest.approx(parameters, rel=0.005)
    assert (layout.n_features, layout.n_outputs) == (145, 1)


def test_srnet_shortcuts_span_whole_stacks():
    layout = _layout("srnet17")
    spans = [(s.first, s.last) for s in layout.shortcuts]
    assert spans == [(0, 3), (4, 6), (7, 9), (10, 12), (13, 14), (15, 15)]


def test_diagram_has_one_row_per_network_and_names_the_counts():
    pytest.importorskip("matplotlib")
    fig = network_diagram(["irnet17", "plain48"], n_features=10)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].startswith("irnet17: 17 layers, 16 shortcuts (6 projections)")
    assert titles[1].startswith("plain48: 48 layers, 0 shortcuts")
    # one box per input, hidden layer and output
    assert len(fig.axes[0].patches) == 18 and len(fig.axes[1].patches) == 49
    # one arc per shortcut
    assert len(fig.axes[0].lines) == 16 and len(fig.axes[1].lines) == 0


def _batch(n=64, d=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    return X, np.sin(X[:, 0]) + X[:, 1]


def test_gradient_norms_match_a_manual_backward_pass():
    torch.manual_seed(0)
    net = DeepRegressionNetwork(6, resolve_architecture([(16, 3), (8, 2)])[0])
    X, y = _batch()
    norms = layer_gradient_norms(net, X, y)
    net.train()
    out = net(torch.tensor(X, dtype=torch.float32))
    torch.nn.functional.l1_loss(out, torch.tensor(y[:, None], dtype=torch.float32)).backward()
    linears = [m.layer.linear for m in net.body] + [net.head]
    np.testing.assert_allclose(norms, [m.weight.grad.norm().item() for m in linears],
                               rtol=1e-6)


def test_gradient_norms_leave_a_fitted_model_unchanged():
    X, y = _batch(n=80)
    model = IRNetRegressor(architecture=[(16, 2)], max_iter=2, random_state=0).fit(X, y)
    before = model.predict(X)
    norms = layer_gradient_norms(model, X, y)
    assert norms.shape == (3,) and np.all(np.isfinite(norms))
    assert all(p.grad is None for p in model.net_.module_.parameters())
    np.testing.assert_array_equal(model.predict(X), before)  # BatchNorm statistics restored


def test_gradient_norms_reject_other_objects():
    with pytest.raises(TypeError, match="fitted IRNetRegressor"):
        layer_gradient_norms(object(), np.zeros((2, 1)), np.zeros(2))
