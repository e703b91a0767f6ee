import torch

from ros_tracker.atom.optim import conjugate_gradient, gauss_newton


def test_gauss_newton_cg_reaches_the_least_squares_solution():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(40, 6, dtype=torch.float64, generator=generator)
    b = torch.randn(40, dtype=torch.float64, generator=generator)
    c = torch.randn(3, dtype=torch.float64, generator=generator)
    # Two variable blocks (6 + 3 unknowns) in one residual: [A x - b ; 2 (y - c)].
    residual = lambda v: torch.cat([a @ v[0] - b, 2.0 * (v[1] - c)])  # noqa: E731
    start = [torch.zeros(6, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)]
    (x, y), losses = gauss_newton(residual, start, gn_steps=1, cg_iter=9)
    expected = torch.linalg.lstsq(a, b[:, None]).solution[:, 0]
    assert torch.linalg.norm(x - expected) / torch.linalg.norm(expected) <= 1e-5
    assert torch.linalg.norm(y - c) / torch.linalg.norm(c) <= 1e-5
    assert losses[-1] < losses[0]


def test_preconditioned_polak_ribiere_cg_solves_a_spd_system():
    generator = torch.Generator().manual_seed(1)
    m = torch.randn(8, 8, dtype=torch.float64, generator=generator)
    matrix = m @ m.T + 8 * torch.eye(8, dtype=torch.float64)
    rhs = torch.randn(8, dtype=torch.float64, generator=generator)
    (solution,) = conjugate_gradient(lambda p: [matrix @ p[0]], [rhs], iterations=30,
                                     preconditioner=[2.0])
    assert torch.allclose(matrix @ solution, rhs, atol=1e-8)
