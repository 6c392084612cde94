"""nn.functional: softmax, log_softmax, softmin, cross_entropy, nll_loss, binary_cross_entropy(_with_logits)."""
__all__ = []
