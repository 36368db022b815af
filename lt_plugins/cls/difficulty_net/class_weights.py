"""Class weights from predicted difficulties (Difficulty-Net, Eq. 4)."""
import torch


def difficulty_class_weights(difficulty: torch.Tensor) -> torch.Tensor:
    """``w = C * D(A) / sum_c D(A)_c`` (SPEC section 2).

    The paper (Eq. 4) uses ``D(A)_{y_i}`` as the sample weight; the official
    code normalises the difficulties to mean 1 first, so the learning rate
    does not change with the overall level of ``D``'s output. SPEC section 2
    follows the official code. Differentiable, so the weights carry the
    dependence on ``D``'s parameters ``theta`` into the virtual step.

    Args:
        difficulty (Tensor): ``D(A)``, shape (C,), positive (sigmoid output).

    Returns:
        Tensor: Class weights, shape (C,), mean 1.
    """
    if difficulty.dim() != 1 or difficulty.numel() == 0:
        raise ValueError('difficulty must be a non-empty vector (C,), got '
                         f'shape {tuple(difficulty.shape)}')
    total = difficulty.sum()
    if not bool(total > 0):
        raise ValueError(f'the difficulties sum to {float(total)}; they must '
                         'be positive (D ends with a sigmoid)')
    return difficulty.numel() * difficulty / total
