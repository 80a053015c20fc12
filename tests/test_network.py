"""The torch modules: shortcut wiring, layer options and initialisation."""

import numpy as np
import pytest
import torch
from torch import nn

from sklearn_irnet.architecture import PRESETS, StackSpec
from sklearn_irnet.network import (
    DeepRegressionNetwork,
    IndividualResidualBlock,
    StackedResidualBlock,
    count_parameters,
    make_activation,
)


def _eval_net(n_features, stacks, **kwargs):
    torch.manual_seed(0)
    net = DeepRegressionNetwork(n_features, stacks, **kwargs)
    return net.eval()


def test_individual_residual_adds_shortcut_after_activation():
    net = _eval_net(5, [StackSpec(8, 2, "individual")])
    first, second = net.body
    assert isinstance(first, IndividualResidualBlock) and isinstance(second.shortcut, nn.Identity)
    assert isinstance(first.shortcut, nn.Linear)  # 5 -> 8: a projection with bias
    x = torch.randn(4, 5)
    layer = first.layer
    expected = torch.relu(layer.norm(layer.linear(x))) + first.shortcut(x)
    torch.testing.assert_close(first(x), expected)
    h = first(x)
    torch.testing.assert_close(second(h), torch.relu(second.layer.norm(second.layer.linear(h))) + h)


def test_stacked_residual_has_one_shortcut_per_stack():
    net = _eval_net(5, [StackSpec(8, 3, "stacked"), StackSpec(8, 2, "stacked")])
    assert len(net.body) == 2
    assert all(isinstance(block, StackedResidualBlock) for block in net.body)
    assert isinstance(net.body[0].shortcut, nn.Linear)
    assert isinstance(net.body[1].shortcut, nn.Identity)
    x = torch.randn(3, 5)
    block = net.body[0]
    torch.testing.assert_close(block(x), block.layers(x) + block.shortcut(x))


def test_plain_network_has_no_shortcuts():
    net = _eval_net(5, PRESETS["plain17"])
    assert not any(isinstance(m, (IndividualResidualBlock, StackedResidualBlock))
                   for m in net.modules())
    n_linear = sum(isinstance(m, nn.Linear) for m in net.modules())
    assert n_linear == 17  # 16 hidden layers + output, no projections


@pytest.mark.slow
def test_irnet_and_srnet_have_same_projections():
    def projections(net):
        return sum(
            isinstance(getattr(m, "shortcut", None), nn.Linear) for m in net.modules()
        )

    assert projections(_eval_net(145, PRESETS["irnet48"])) == 7  # 7 width changes, incl. input
    assert projections(_eval_net(145, PRESETS["srnet48"])) == 7


def test_options_dropout_activation_batchnorm_outputs():
    net = _eval_net(5, [StackSpec(8, 2)], n_outputs=3, activation="gelu",
                    dropout=0.2, batch_norm=False)
    layer = net.body[0].layer
    assert isinstance(layer.activation, nn.GELU)
    assert isinstance(layer.dropout, nn.Dropout) and layer.dropout.p == 0.2
    assert layer.norm is None
    assert net(torch.randn(4, 5)).shape == (4, 3)


def test_initialisation_glorot_zero_bias_and_batchnorm_eps():
    net = _eval_net(100, [StackSpec(200, 1)])
    linear = net.body[0].layer.linear
    bound = (6 / (100 + 200)) ** 0.5
    assert linear.weight.abs().max() <= bound
    assert linear.weight.abs().max() > 0.9 * bound
    assert torch.count_nonzero(linear.bias) == 0
    assert net.body[0].layer.norm.eps == pytest.approx(1e-3)


@pytest.mark.slow
def test_output_init_zero_starts_at_zero_and_glorot_starts_far_off():
    torch.manual_seed(0)
    x = torch.randn(512, 145)
    glorot = DeepRegressionNetwork(145, PRESETS["irnet17"]).train()
    zero = DeepRegressionNetwork(145, PRESETS["irnet17"], output_init="zero").train()
    assert torch.count_nonzero(zero.head.weight) == 0
    assert torch.count_nonzero(zero.head.bias) == 0
    # the hidden layers keep the authors' Glorot initialisation
    assert torch.count_nonzero(zero.body[0].layer.linear.weight) > 0
    with torch.no_grad():
        assert torch.count_nonzero(zero(x)) == 0
        # individual shortcuts sum non-negative activations: a Glorot head starts far off
        # (measured mean -17, std 5.9 for this seed)
        assert glorot(x).mean().abs() > 3
    # the gradient still reaches the output layer, so training moves it off zero
    zero(x).sum().backward()
    assert zero.head.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="output_init must be 'glorot' or 'zero'"):
        DeepRegressionNetwork(5, [StackSpec(8, 1)], output_init="normal")


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        make_activation("swish")
    with pytest.raises(ValueError, match="dropout"):
        DeepRegressionNetwork(5, [StackSpec(8, 1)], dropout=1.0)
    with pytest.raises(ValueError, match="at least one hidden stack"):
        DeepRegressionNetwork(5, [])
    with pytest.raises(ValueError, match="positive integer"):
        StackSpec(0, 2)


def test_batch_ensemble_members_share_layers_and_average_at_evaluation():
    from sklearn_irnet.architecture import resolve_architecture

    stacks, _ = resolve_architecture("16BARx2-8BARx1")
    torch.manual_seed(0)
    single = DeepRegressionNetwork(5, stacks, 2)
    torch.manual_seed(0)
    members = DeepRegressionNetwork(5, stacks, 2, n_members=3)
    # the shared layers start as in one network; the input scales are random signs
    for (name, a), (_, b) in zip(single.body.state_dict().items(),
                                 members.body.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert set(members.member_scale.detach().abs().unique().tolist()) == {1.0}
    with torch.no_grad():
        members.head.weight.normal_()
        members.head.bias.normal_()
        members.member_scale.normal_()
    x = torch.randn(4, 5)
    members.train()
    stacked = members(x)
    assert stacked.shape == (12, 2)
    members.eval()
    by_hand = []
    with torch.no_grad():
        for i in range(3):
            hidden = members.body(x * members.member_scale[i])
            weight = members.head.weight[2 * i:2 * i + 2]
            by_hand.append(hidden @ weight.T + members.head.bias[2 * i:2 * i + 2])
        np.testing.assert_allclose(members(x), torch.stack(by_hand).mean(0), rtol=1e-5,
                                   atol=1e-6)
    with pytest.raises(ValueError, match="n_members"):
        DeepRegressionNetwork(5, stacks, 1, n_members=0)
    with pytest.raises(ValueError, match="variance head"):
        DeepRegressionNetwork(5, stacks, 1, n_members=2, variance_head=True)


def test_periodic_embedding_reads_each_feature_alone_and_feeds_the_first_layer():
    from sklearn_irnet._numeric_embedding import PeriodicEmbedding
    from sklearn_irnet.architecture import resolve_architecture

    torch.manual_seed(0)
    embedding = PeriodicEmbedding(3, n_frequencies=4, n_dims=2)
    x = torch.randn(5, 3)
    out = embedding(x)
    assert out.shape == (5, 6)
    # feature 1's block by hand: ReLU(W_1 [cos 2 pi c_1 x, sin 2 pi c_1 x] + b_1)
    angle = 2 * np.pi * x[:, 1:2] * embedding.frequencies[1]
    by_hand = torch.relu(torch.cat([torch.cos(angle), torch.sin(angle)], 1)
                         @ embedding.weight[1] + embedding.bias[1])
    np.testing.assert_allclose(out[:, 2:4].detach(), by_hand.detach(), rtol=1e-5, atol=1e-6)
    # changing one feature changes only its own block
    moved = x.clone()
    moved[:, 1] += 1.0
    changed = (embedding(moved) != out).any(0)
    assert not changed[[0, 1, 4, 5]].any()
    stacks, _ = resolve_architecture("16BARx2-8BARx1")
    plain = DeepRegressionNetwork(5, stacks, 1)
    for n_dims in (4, 16):  # 4: the default width
        options = {} if n_dims == 4 else {"embedding_dims": n_dims}
        net = DeepRegressionNetwork(5, stacks, 1, numeric_embedding="periodic", **options)
        assert net.body[0].layer.linear.in_features == 5 * n_dims
        assert net.embedding.weight.shape == (5, 32, n_dims)
        # the embedding's own weights (16 frequencies, per-feature linear layers) and
        # n_dims - 1 more inputs per feature for the first layer and its shortcut
        # projection (width 16)
        added = 5 * 16 + 5 * 32 * n_dims + 5 * n_dims + 2 * (5 * n_dims - 5) * 16
        assert count_parameters(net) - count_parameters(plain) == added
    net.eval()
    with torch.no_grad():
        x = torch.randn(4, 5)
        np.testing.assert_allclose(net(x), net.head(net.body(net.embedding(x))), rtol=1e-6)
    members = DeepRegressionNetwork(5, stacks, 1, n_members=2, numeric_embedding="periodic")
    assert members.member_scale.shape == (2, 20) and members.train()(x).shape == (8, 1)
    with pytest.raises(ValueError, match="numeric_embedding must be None or one of"):
        DeepRegressionNetwork(5, stacks, 1, numeric_embedding="fourier")
    with pytest.raises(ValueError, match="embedding_dims must be >= 1, got 0"):
        DeepRegressionNetwork(5, stacks, 1, numeric_embedding="periodic", embedding_dims=0)
    with pytest.raises(ValueError, match="frequency_scale > 0"):
        PeriodicEmbedding(3, frequency_scale=0.0)


def test_network_config_reads_the_embedding_width_of_older_files():
    from sklearn_irnet.network_config import NetworkConfig

    config = NetworkConfig.from_params({"architecture": "16BARx2-8BARx1",
                                        "numeric_embedding": "auto"}, n_features=5)
    assert (config.numeric_embedding, config.embedding_dims) == ("periodic", 4)
    data = config.to_dict()
    assert NetworkConfig.from_dict(data) == config
    del data["embedding_dims"]  # a file written when 16 was the only width
    assert NetworkConfig.from_dict(data).embedding_dims == 16
    plain = NetworkConfig.from_params({"architecture": "16BARx2-8BARx1",
                                       "numeric_embedding": None}, n_features=5).to_dict()
    del plain["embedding_dims"]
    assert NetworkConfig.from_dict(plain).numeric_embedding is None
