"""L-BFGS (torch.optim.LBFGS): full-batch quasi-Newton steps with a limited history of curvature
pairs (two-loop recursion), optionally with a strong-Wolfe line search (cubic interpolation)."""
from .. import _ops
from ..autograd import grad_mode
from .optimizer import Optimizer

__all__ = ["LBFGS"]

_cat = _ops.shape.cat


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc >= 0:
        d2 = disc ** 0.5
        if x1 <= x2:
            x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(x, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(evaluate, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions; returns (f, g, t, evals)."""
    d_norm = float(d.abs().max())
    g = g.clone()
    f_new, g_new = evaluate(x, t, d)
    evals = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    it = 0
    # bracketing phase
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket, bf, bg, bgtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bf, bg = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bf, bg, bgtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        lo_t, hi_t = t + 0.01 * (t - t_prev), t * 10
        tmp = t
        t = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(lo_t, hi_t))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.clone(), gtd_new
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = float(g_new.dot(d))
        it += 1
    else:
        bracket, bf, bg = [0.0, t], [f, f_new], [g, g_new]
    # zoom phase: shrink the bracket until the conditions hold
    insuf = False
    lo, hi = (0, 1) if len(bf) == 2 and bf[0] <= bf[-1] else (1, 0)
    while not done and it < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        width = max(bracket) - min(bracket)
        eps = 0.1 * width
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf = False
            else:
                insuf = True
        else:
            insuf = False
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = float(g_new.dot(d))
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bf[lo]:
            bracket[hi], bf[hi], bg[hi], bgtd[hi] = t, f_new, g_new.clone(), gtd_new
            lo, hi = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[hi] - bracket[lo]) >= 0:
                bracket[hi], bf[hi], bg[hi], bgtd[hi] = bracket[lo], bf[lo], bg[lo], bgtd[lo]
            bracket[lo], bf[lo], bg[lo], bgtd[lo] = t, f_new, g_new.clone(), gtd_new
    if len(bracket) == 1:
        return bf[0], bg[0], bracket[0], evals
    return bf[lo], bg[lo], bracket[lo], evals


class LBFGS(Optimizer):
    """L-BFGS. ``step(closure)`` needs a closure that clears the gradients, computes the loss,
    calls ``backward()`` and returns the loss. One parameter group only."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"[LBFGS] only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("[LBFGS] LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(p.detach().new_zeros(p.numel()))
            else:
                parts.append(p.grad.reshape(-1))
        return _cat(parts, 0)

    def _add(self, step, d):
        off = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[off:off + n].view_as(p), alpha=step)
            off += n

    def _evaluate(self, closure):
        def ev(x, t, d):
            self._add(t, d)
            with grad_mode.enable_grad():
                loss = float(closure())
            g = self._flat_grad()
            for p, v in zip(self._params, x):
                p.copy_(v)
            return loss, g
        return ev

    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise RuntimeError("[LBFGS] step requires a closure that re-evaluates the model")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        with grad_mode.no_grad():
            g = self._flat_grad()
            if float(g.abs().max()) <= tol_grad:
                return orig_loss
            d, t = state.get("d"), state.get("t")
            dirs, stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
            h_diag, prev_g, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
            n = 0
            while n < max_iter:
                n += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -g
                    dirs, stps, ro = [], [], []
                    h_diag = 1
                else:
                    y = g - prev_g
                    s = d * t
                    ys = float(y.dot(s))
                    if ys > 1e-10:
                        if len(dirs) == history:
                            dirs.pop(0)
                            stps.pop(0)
                            ro.pop(0)
                        dirs.append(y)
                        stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / float(y.dot(y))
                    q = -g
                    al = [0.0] * len(dirs)
                    for i in range(len(dirs) - 1, -1, -1):
                        al[i] = float(stps[i].dot(q)) * ro[i]
                        q = q - dirs[i] * al[i]
                    r = q * h_diag
                    for i in range(len(dirs)):
                        be = float(dirs[i].dot(r)) * ro[i]
                        r = r + stps[i] * (al[i] - be)
                    d = r
                prev_g = g.clone()
                prev_loss = loss
                t = min(1.0, 1.0 / float(g.abs().sum())) * lr if state["n_iter"] == 1 else lr
                gtd = float(g.dot(d))
                if gtd > -tol_change:
                    break
                opt = False
                if group["line_search_fn"] == "strong_wolfe":
                    x0 = [p.detach().clone() for p in self._params]
                    loss, g, t, ls_evals = _strong_wolfe(self._evaluate(closure), x0, t, d, loss, g, gtd)
                    self._add(t, d)
                    opt = float(g.abs().max()) <= tol_grad
                else:
                    self._add(t, d)
                    ls_evals = 0
                    if n != max_iter:
                        with grad_mode.enable_grad():
                            loss = float(closure())
                        g = self._flat_grad()
                        opt = float(g.abs().max()) <= tol_grad
                        ls_evals = 1
                evals += ls_evals
                state["func_evals"] += ls_evals
                if n == max_iter or evals >= max_eval or opt:
                    break
                if float((d * t).abs().max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
            state.update(d=d, t=t, old_dirs=dirs, old_stps=stps, ro=ro, H_diag=h_diag, prev_flat_grad=prev_g,
                         prev_loss=prev_loss)
        return orig_loss
