#!/usr/bin/env python3
"""Regenerates td3bc_updates.safetensors for ReferenceUpdateTests: four TD3+BC updates made
by PyTorch as CORL's td3_bc.py makes them (TD3_BC.train: the target action from the target
actor plus clipped noise, both critics onto r + γ(1−d) min Q′; every second update the actor
on −λ Q1(s, π(s)) + MSE(π(s), a), λ = α / mean|Q1|, then the soft updates of all targets),
from given weights, batches and target-smoothing noise, on small networks.

    /root/.cache/cdsa-reference-venv/bin/python Tests/OfflineRLTests/Fixtures/make_td3bc_fixture.py

Holds init.<net>.<i>.weight … for actor, q1, q2 and their targets, batch<t>.*, the raw
standard-normal noise<t> (scaled by 0.2 and clipped at 0.5 inside the update, as CORL does
with randn_like), losses<t> (critic, actor — the actor's last value, 0 before its first
step) and final.<net>.…. lr 1e-2, τ 0.1, α 2.5, γ 0.99. Deterministic: torch.manual_seed(0).
"""
import copy
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
S, A, H, B, STEPS = 5, 2, 16, 8, 4
LR, TAU, ALPHA, GAMMA, NOISE, CLIP, FREQ = 1e-2, 0.1, 2.5, 0.99, 0.2, 0.5, 2


def mlp(inputs, outputs, tanh=False):
    nn = torch.nn
    layers = [nn.Linear(inputs, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, outputs)]
    return nn.Sequential(*(layers + ([nn.Tanh()] if tanh else [])))


def main() -> None:
    torch.manual_seed(0)
    actor, q1, q2 = mlp(S, A, tanh=True), mlp(S + A, 1), mlp(S + A, 1)
    actor_target, q1_target, q2_target = copy.deepcopy(actor), copy.deepcopy(q1), copy.deepcopy(q2)
    nets = {"actor": actor, "q1": q1, "q2": q2, "actor_target": actor_target, "q1_target": q1_target, "q2_target": q2_target}
    out = {}

    def keep(prefix):
        for name, net in nets.items():
            for key, value in net.state_dict().items():
                out[f"{prefix}.{name}.{key}"] = value.detach().clone().contiguous()

    def q(net, s, a):
        return net(torch.cat([s, a], 1))

    keep("init")
    actor_opt = torch.optim.Adam(actor.parameters(), lr=LR)
    q1_opt, q2_opt = torch.optim.Adam(q1.parameters(), lr=LR), torch.optim.Adam(q2.parameters(), lr=LR)
    actor_loss = torch.tensor(0.0)
    for t in range(STEPS):
        s = torch.randn(B, S)
        a = torch.rand(B, A) * 1.8 - 0.9
        r = torch.randn(B, 1)
        s2 = s + 0.1 * torch.randn(B, S)
        d = (torch.rand(B, 1) < 0.25).float()
        eps = torch.randn(B, A)
        for key, value in {"observations": s, "actions": a, "rewards": r.squeeze(-1), "next_observations": s2,
                           "terminals": d.squeeze(-1)}.items():
            out[f"batch{t}.{key}"] = value.contiguous()
        out[f"noise{t}"] = eps

        with torch.no_grad():
            noise = (eps * NOISE).clamp(-CLIP, CLIP)
            next_a = (actor_target(s2) + noise).clamp(-1.0, 1.0)
            target = r + (1 - d) * GAMMA * torch.min(q(q1_target, s2, next_a), q(q2_target, s2, next_a))
        critic_loss = F.mse_loss(q(q1, s, a), target) + F.mse_loss(q(q2, s, a), target)
        q1_opt.zero_grad(); q2_opt.zero_grad(); critic_loss.backward(); q1_opt.step(); q2_opt.step()
        if (t + 1) % FREQ == 0:
            pi = actor(s)
            value = q(q1, s, pi)
            lmbda = ALPHA / value.abs().mean().detach()
            actor_loss = -lmbda * value.mean() + F.mse_loss(pi, a)
            actor_opt.zero_grad(); actor_loss.backward(); actor_opt.step()
            with torch.no_grad():
                for target_net, source in ((q1_target, q1), (q2_target, q2), (actor_target, actor)):
                    for tp, sp in zip(target_net.parameters(), source.parameters()):
                        tp.mul_(1 - TAU).add_(TAU * sp)
        out[f"losses{t}"] = torch.tensor([critic_loss.item(), actor_loss.item()])
    keep("final")
    save_file(out, os.path.join(HERE, "td3bc_updates.safetensors"),
              metadata={"generator": "make_td3bc_fixture.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
