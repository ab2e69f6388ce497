"""Non-trivial weights for tests that compare two implementations of one model."""
import torch


def randomise(module: torch.nn.Module, seed: int) -> None:
    """Fill every tensor of ``module``'s state dict in place: weights at He / 1/sqrt(fan
    in) scale so activations stay O(1), BatchNorm statistics away from their
    defaults (a test then sees whether they are used)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith('num_batches_tracked'):
                t.fill_(100)
            elif name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            elif t.ndim == 4:
                t.copy_(torch.randn(t.shape, generator=gen) * (2 / t[0].numel()) ** 0.5)
            elif t.ndim == 2:
                t.copy_(torch.randn(t.shape, generator=gen) / t.shape[1] ** 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1 +
                        (1.0 if name.endswith('weight') else 0.0))
