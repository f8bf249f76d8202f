#!/usr/bin/env python3
"""Regenerates por_updates.safetensors for ReferenceUpdateTests: three POR updates of each
variant made by PyTorch as the authors' por.py makes them — POR-r (`por_update_residual`) and
POR-q (`por_update`) — from given weights and batches, on small networks.

    /root/.cache/cdsa-reference-venv/bin/python Tests/OfflineRLTests/Fixtures/make_por_fixture.py

Per update, as por.py: V(s') from the EMA target twin V; both V by expectile regression onto
r + γ(1−d)V̄(s'); the EMA; then the guide — POR-r: likelihood of s' weighted by
min(exp(α(target − V(s))), 100) with the updated V; POR-q: λ·(−V(ĝ)) − log π_b(ĝ|s) for
ĝ = μ_g(s) + σ_g·ε, λ = α / mean|V(ĝ)| — then the execute policy's likelihood of a given
(s, s'); the guide's and execute policy's rates on CosineAnnealingLR. For POR-q cdsa
learns the behaviour guide alongside instead of pretraining it (a stated deviation), so
here each update first makes one step of por.py's own `pretrain` on the same batch.
Gaussians as policy.py: untransformed mean, state-independent log σ clamped to [−5, 2].

The file holds, per variant v in (r, q): v.init.<net>.<i>.weight …, v.init.<net>.log_std,
the batches v.batch<t>.*, the guide noise v.noise<t> (POR-q), the losses v.losses<t>
(value, [behaviour guide,] guide, execute) and v.final.<net>.… after the third update.
Hyperparameters: lr 1e-2 for every network, EMA rate 0.1, cosine over 4 steps, expectile
0.7, α 3 (r) and 5 (q), γ 0.99. Deterministic: torch.manual_seed(0).
"""
import copy
import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
S, A, H, B, STEPS = 4, 2, 16, 8, 3
LR, EMA, DECAY, EXPECTILE, GAMMA, MAX_WEIGHT = 1e-2, 0.1, 4, 0.7, 0.99, 100.0
ALPHA = {"r": 3.0, "q": 5.0}


class Gaussian(torch.nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        nn = torch.nn
        self.net = nn.Sequential(nn.Linear(inputs, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, outputs))
        self.log_std = nn.Parameter(torch.linspace(-0.4, 0.3, outputs))

    def std(self):
        return torch.exp(self.log_std.clamp(-5.0, 2.0))

    def nll(self, x, inputs):
        dist = torch.distributions.MultivariateNormal(self.net(inputs), scale_tril=torch.diag(self.std()))
        return -dist.log_prob(x)


def value_net():
    nn = torch.nn
    return nn.Sequential(nn.Linear(S, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 1))


def run(variant, out):
    v1, v2 = value_net(), value_net()
    v1_target, v2_target = copy.deepcopy(v1), copy.deepcopy(v2)
    guide, execute, behaviour = Gaussian(S, S), Gaussian(2 * S, A), Gaussian(S, S)
    nets = {"v1": v1, "v2": v2, "v1_target": v1_target, "v2_target": v2_target,
            "guide": guide.net, "execute": execute.net, "behaviour_guide": behaviour.net}
    gaussians = {"guide": guide, "execute": execute, "behaviour_guide": behaviour}

    def keep(prefix):
        for name, net in nets.items():
            for key, value in net.state_dict().items():
                out[f"{variant}.{prefix}.{name}.{key}"] = value.detach().clone().contiguous()
        for name, g in gaussians.items():
            out[f"{variant}.{prefix}.{name}.log_std"] = g.log_std.detach().clone()

    def v(a, b, s):
        return torch.min(a(s).squeeze(-1), b(s).squeeze(-1))

    keep("init")
    v_opt = torch.optim.Adam(list(v1.parameters()) + list(v2.parameters()), lr=LR)
    g_opt = torch.optim.Adam(guide.parameters(), lr=LR)
    e_opt = torch.optim.Adam(execute.parameters(), lr=LR)
    b_opt = torch.optim.Adam(behaviour.parameters(), lr=LR)
    g_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(g_opt, DECAY)
    e_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(e_opt, DECAY)
    alpha = ALPHA[variant]
    for t in range(STEPS):
        s = torch.randn(B, S)
        a = torch.rand(B, A) * 1.8 - 0.9
        r = torch.randn(B)
        s2 = s + 0.2 * torch.randn(B, S)
        d = (torch.rand(B) < 0.25).float()
        for key, value in {"observations": s, "actions": a, "rewards": r, "next_observations": s2, "terminals": d}.items():
            out[f"{variant}.batch{t}.{key}"] = value.contiguous()

        with torch.no_grad():
            next_v = v(v1_target, v2_target, s2)
        target_v = r + (1.0 - d) * GAMMA * next_v
        vs = (v1(s).squeeze(-1), v2(s).squeeze(-1))
        v_loss = sum(torch.mean(torch.abs(EXPECTILE - ((target_v - x) < 0).float()) * (target_v - x) ** 2) for x in vs) / 2
        v_opt.zero_grad(); v_loss.backward(); v_opt.step()
        with torch.no_grad():
            for target, source in ((v1_target, v1), (v2_target, v2)):
                for tp, sp in zip(target.parameters(), source.parameters()):
                    tp.mul_(1.0 - EMA).add_(sp, alpha=EMA)
        losses = [v_loss.item()]

        if variant == "r":
            weight = torch.clamp_max(torch.exp(alpha * (target_v - v(v1, v2, s))), MAX_WEIGHT).detach()
            g_loss = torch.mean(weight * guide.nll(s2, s))
        else:
            b_loss = torch.mean(behaviour.nll(s2, s))   # por.py's pretrain step
            b_opt.zero_grad(); b_loss.backward(); b_opt.step()
            losses.append(b_loss.item())
            eps = torch.randn(B, S)
            out[f"q.noise{t}"] = eps
            g_sample = guide.net(s) + guide.std() * eps
            g_loss1 = -v(v1, v2, g_sample)
            g_loss2 = behaviour.nll(g_sample, s)
            lmbda = alpha / g_loss1.abs().mean().detach()
            g_loss = torch.mean(lmbda * g_loss1 + g_loss2)
        g_opt.zero_grad(); g_loss.backward(); g_opt.step(); g_schedule.step()
        losses.append(g_loss.item())

        e_loss = torch.mean(execute.nll(a, torch.cat([s, s2], 1)))
        e_opt.zero_grad(); e_loss.backward(); e_opt.step(); e_schedule.step()
        losses.append(e_loss.item())
        out[f"{variant}.losses{t}"] = torch.tensor(losses)
    keep("final")


def main() -> None:
    torch.manual_seed(0)
    out = {}
    for variant in ("r", "q"):
        run(variant, out)
    meta = {"generator": "make_por_fixture.py", "torch": torch.__version__,
            "config": json.dumps({"lr": LR, "ema": EMA, "decay": DECAY, "expectile": EXPECTILE,
                                  "alpha": ALPHA, "discount": GAMMA, "hidden": [H, H], "batch": B})}
    save_file(out, os.path.join(HERE, "por_updates.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
