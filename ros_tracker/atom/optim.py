"""Gauss-Newton with conjugate gradient (ATOM, Sec. 3.2 and Algorithm 1).

Each Gauss-Newton step linearizes the residual r(x) and solves (J^T J) dx = -J^T r with a few
conjugate-gradient iterations. J is never formed: with a dummy vector g, u = J^T g is computed by
one backward pass with create_graph=True; differentiating u with respect to g against p then
gives J p (the double-backprop trick), and one more backward pass gives J^T (J p).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

Blocks = list[Tensor]


def inner(a: Sequence[Tensor], b: Sequence[Tensor]) -> Tensor:
    """Sum of the elementwise products of every block (the blocks share one inner product)."""
    return sum((x * y).sum() for x, y in zip(a, b))


def conjugate_gradient(operator: Callable[[Blocks], Blocks], rhs: Blocks, iterations: int,
                       preconditioner: Sequence[float] | None = None,
                       fletcher_reeves: bool = False) -> Blocks:
    """Approximately solve operator(x) = rhs from x = 0 (operator symmetric positive definite).

    Args:
        operator: the linear map, block-wise.
        rhs: right-hand side blocks.
        iterations: CG iterations (stops early only when the residual is exactly zero).
        preconditioner: per-block divisors (a diagonal preconditioner); None for identity.
        fletcher_reeves: Fletcher-Reeves beta instead of Polak-Ribiere; beta is clamped >= 0.

    Returns:
        The solution blocks.
    """
    divisors = preconditioner or [1.0] * len(rhs)
    solution = [torch.zeros_like(block) for block in rhs]
    residual = [block.clone() for block in rhs]
    direction: Blocks | None = None
    rho_previous = residual_previous = None
    for _ in range(iterations):
        z = [block / d for block, d in zip(residual, divisors)]
        rho = inner(residual, z)
        if rho == 0:
            break
        if direction is None:
            direction = z
        else:
            numerator = rho if fletcher_reeves else rho - inner(residual_previous, z)
            beta = torch.clamp(numerator / rho_previous, min=0.0)
            direction = [zi + beta * p for zi, p in zip(z, direction)]
        applied = operator(direction)
        alpha = rho / inner(direction, applied)
        solution = [x + alpha * p for x, p in zip(solution, direction)]
        residual_previous = residual
        residual = [r - alpha * q for r, q in zip(residual, applied)]
        rho_previous = rho
    return solution


def _loss(residual_fn: Callable[[Blocks], Tensor], variables: Blocks) -> float:
    with torch.no_grad():
        return 0.5 * float((residual_fn(variables) ** 2).sum())


def gauss_newton_step(residual_fn: Callable[[Blocks], Tensor], variables: Blocks,
                      cg_iter: int, preconditioner: Sequence[float] | None = None,
                      fletcher_reeves: bool = False) -> tuple[Blocks, float]:
    """One Gauss-Newton step from variables: the full step of the CG solution, with no line
    search (as officially, also on ATOM's bilinear joint problem); returns the new variables
    and the loss 0.5 * |r|^2 before the step."""
    x = [v.detach().requires_grad_(True) for v in variables]
    with torch.enable_grad():
        residual = residual_fn(x)
        dummy = torch.zeros_like(residual, requires_grad=True)
        jt_dummy = torch.autograd.grad(residual, x, grad_outputs=dummy, create_graph=True)
        rhs = [-g.detach() for g in torch.autograd.grad(
            residual, x, grad_outputs=residual.detach(), retain_graph=True)]

        def normal_operator(p: Blocks) -> Blocks:  # J^T J p
            jp = torch.autograd.grad(jt_dummy, dummy, grad_outputs=p, retain_graph=True)[0]
            return [g.detach() for g in torch.autograd.grad(
                residual, x, grad_outputs=jp, retain_graph=True)]

        step = conjugate_gradient(normal_operator, rhs, cg_iter, preconditioner, fletcher_reeves)
    loss = 0.5 * float((residual.detach() ** 2).sum())
    return [v.detach() + s for v, s in zip(variables, step)], loss


def gauss_newton(residual_fn: Callable[[Blocks], Tensor], variables: Blocks, gn_steps: int,
                 cg_iter: int, preconditioner: Sequence[float] | None = None,
                 fletcher_reeves: bool = False) -> tuple[Blocks, list[float]]:
    """gn_steps Gauss-Newton steps of cg_iter CG iterations each; returns the variables and the
    loss before every step followed by the final loss."""
    losses = []
    for _ in range(gn_steps):
        variables, loss = gauss_newton_step(residual_fn, variables, cg_iter, preconditioner,
                                            fletcher_reeves)
        losses.append(loss)
    losses.append(_loss(residual_fn, variables))
    return variables, losses
