"""The driver loss of Difficulty-Net (Eq. 7)."""
import torch


def relative_difficulty_target(accuracy: torch.Tensor,
                               eps: float = 1e-12) -> torch.Tensor:
    """``1 - a_c / sum_k a_k``, the target the driver loss pulls ``D`` to.

    Args:
        accuracy (Tensor): Per-class accuracies ``A``, shape (C,), in [0, 1].
        eps (float): Added to the denominator, as in the official code, so
            that the all-zero input used before the first measurement gives
            the target 1 for every class instead of 0/0.

    Returns:
        Tensor: Target, shape (C,).
    """
    if accuracy.dim() != 1:
        raise ValueError('accuracy must be a vector (C,), got shape '
                         f'{tuple(accuracy.shape)}')
    if bool((accuracy < 0).any()) or bool((accuracy > 1).any()):
        raise ValueError('accuracies must lie in [0, 1], got range '
                         f'[{float(accuracy.min())}, {float(accuracy.max())}]')
    return 1 - accuracy / (accuracy.sum() + eps)


def driver_loss(accuracy: torch.Tensor, difficulty: torch.Tensor,
                eps: float = 1e-12) -> torch.Tensor:
    """``L_dr = mean_c((1 - a_c / sum_k a_k) - D(A)_c) ** 2`` (Eq. 7).

    Args:
        accuracy (Tensor): ``A``, shape (C,). Treated as a constant.
        difficulty (Tensor): ``D(A)``, shape (C,), carries the graph to
            ``theta``.
        eps (float): See :func:`relative_difficulty_target`.

    Returns:
        Tensor: Scalar loss.
    """
    if difficulty.shape != accuracy.shape:
        raise ValueError(f'difficulty shape {tuple(difficulty.shape)} does '
                         f'not match accuracy shape {tuple(accuracy.shape)}')
    target = relative_difficulty_target(accuracy.detach(), eps)
    return ((target - difficulty)**2).mean()
