"""A class-weight consumer (CDB loss or sampler) refuses to train unless a
difficulty hook serves it or its weights are fixed on purpose."""
import pytest
import torch
import torch.nn as nn
from torch.utils.data import BatchSampler, DataLoader, Sampler

from lt_plugins.engine.difficulty_consumer import (
    DifficultyWeightConsumer, DifficultyWeightedModule,
    MissingDifficultyHookError, find_weight_consumers, is_weight_consumer)


class WeightedLoss(DifficultyWeightedModule):
    difficulty_hook_hint = 'dict(type="SomeHook")'

    def __init__(self, num_classes=3, fixed_weights=False):
        super().__init__()
        self.init_difficulty_consumer(fixed_weights)
        self.num_classes = num_classes
        self.register_buffer('class_weight', torch.ones(num_classes))

    def update_weights(self, weights):
        self.class_weight.copy_(torch.as_tensor(weights))

    def forward(self, logits, labels):
        ce = nn.functional.cross_entropy(logits, labels, reduction='none')
        return (self.class_weight[labels] * ce).mean()


class WeightedSampler(DifficultyWeightConsumer, Sampler):

    def __init__(self, n=4, fixed_weights=False):
        self.init_difficulty_consumer(fixed_weights)
        self.n, self.num_classes = n, 2

    def update_weights(self, weights):
        pass

    def __iter__(self):
        self.check_difficulty_hook()
        return iter(range(self.n))

    def __len__(self):
        return self.n


class Hook:
    pass


def _batch():
    return torch.randn(4, 3), torch.tensor([0, 1, 2, 1])


def test_a_loss_only_built_and_called_is_not_checked():
    # a unit test or a timing benchmark never switches it with .train()
    assert WeightedLoss()(*_batch()).item() > 0


def test_a_loss_switched_to_training_without_a_hook_refuses():
    model = nn.Sequential(nn.Identity(), WeightedLoss())
    model.train()  # what a training loop does first
    with pytest.raises(MissingDifficultyHookError) as e:
        model[1](*_batch())
    msg = str(e.value)
    assert 'WeightedLoss(num_classes=3)' in msg
    assert 'dict(type="SomeHook")' in msg and 'custom_hooks' in msg
    assert 'fixed_weights=True' in msg


def test_evaluation_is_never_checked():
    loss = WeightedLoss()
    loss.train()
    loss.eval()
    loss(*_batch())


def test_a_served_loss_trains_and_records_its_hook():
    loss = WeightedLoss()
    loss.attach_difficulty_hook(Hook())
    loss.attach_difficulty_hook(Hook())
    loss.train()
    loss(*_batch())
    assert loss.difficulty_hooks == ('Hook', )
    assert loss.served_by_difficulty_hook


def test_fixed_weights_is_the_opt_out():
    loss = WeightedLoss(fixed_weights=True)
    assert not loss.requires_difficulty_hook
    loss.train()
    loss(*_batch())


@pytest.mark.parametrize('value', [1, 'yes', None, float('nan')])
def test_fixed_weights_must_be_a_bool(value):
    with pytest.raises(TypeError, match='fixed_weights'):
        WeightedLoss(fixed_weights=value)


def test_a_sampler_without_a_hook_refuses_when_iterated():
    with pytest.raises(MissingDifficultyHookError,
                       match=r'WeightedSampler\(num_classes=2\)'):
        list(WeightedSampler())
    assert list(WeightedSampler(fixed_weights=True)) == [0, 1, 2, 3]
    served = WeightedSampler()
    served.attach_difficulty_hook(Hook())
    assert list(served) == [0, 1, 2, 3]


def test_consumers_survive_a_deep_copy_and_pickling():
    import copy
    import pickle
    loss = WeightedLoss()
    loss.attach_difficulty_hook(Hook())
    for clone in (copy.deepcopy(loss), pickle.loads(pickle.dumps(loss))):
        clone.train()
        clone(*_batch())
        assert clone.difficulty_hooks == ('Hook', )


def test_find_weight_consumers_in_model_and_dataloader():
    model = nn.Sequential(nn.Linear(3, 3), WeightedLoss(),
                          nn.Sequential(WeightedLoss()))
    wrapper = nn.Module()
    wrapper.module = model
    losses, _ = find_weight_consumers(wrapper)
    assert losses == [model[1], model[2][0]]
    sampler = WeightedSampler(fixed_weights=True)
    plain = DataLoader(list(range(4)), sampler=sampler, batch_size=2)
    batched = DataLoader(list(range(4)),
                         batch_sampler=BatchSampler(sampler, 2, False))
    for loader in (plain, batched):
        assert find_weight_consumers(None, loader) == ([], [sampler])
    assert not is_weight_consumer(nn.Linear(2, 2))


def test_duck_typed_consumer_with_only_the_marker_is_found():
    """A consumer with ``requires_difficulty_hook`` and ``update_weights``
    but no ``attach_difficulty_hook`` is still found (and pushed to)."""

    class Marked:
        requires_difficulty_hook = True

        def update_weights(self, weights):
            pass

    loader = DataLoader(list(range(2)), batch_size=1)
    loader.batch_sampler.sampler = Marked()
    assert len(find_weight_consumers(None, loader)[1]) == 1
