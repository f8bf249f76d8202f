#!/usr/bin/env python3
"""Regenerates iql_updates.safetensors for ReferenceUpdateTests: three IQL updates made by
PyTorch exactly as CORL's iql.py makes them (ImplicitQLearning.train: V(s') first, then V by
expectile regression onto the target twin Q's min, then both Q onto r + γ(1−d)V(s'), the
soft target update, then the AWR actor step on the advantage V was updated from, its
learning rate on CosineAnnealingLR), on small networks and given batches.

    /root/.cache/cdsa-reference-venv/bin/python Tests/OfflineRLTests/Fixtures/make_iql_fixture.py

The file holds the starting weights (init.<net>.<i>.weight …), the three batches
(batch<t>.observations …), the losses of each update (losses<t>: value, q, actor) and the
weights after the last update (final.<net>.…). Networks are nn.Sequential with PyTorch's
names: actor (Tanh mean, state-independent log_std), q1, q2, q1_target, q2_target, v.
Hyperparameters are chosen so one update visibly moves every weight: lr 1e-2, τ 0.1,
cosine decay over 4 steps, expectile 0.7, β 3, max weight 100, γ 0.99.
Deterministic: torch.manual_seed(0).
"""
import copy
import json
import math
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
S, A, H, B, STEPS = 5, 2, 16, 8, 3
LR, TAU, DECAY, EXPECTILE, BETA, MAX_WEIGHT, GAMMA = 1e-2, 0.1, 4, 0.7, 3.0, 100.0, 0.99


def mlp(inputs, outputs, tanh=False):
    nn = torch.nn
    layers = [nn.Linear(inputs, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, outputs)]
    return nn.Sequential(*(layers + ([nn.Tanh()] if tanh else [])))


def main() -> None:
    torch.manual_seed(0)
    actor, log_std = mlp(S, A, tanh=True), torch.nn.Parameter(torch.tensor([-0.3, 0.2]))
    q1, q2, v = mlp(S + A, 1), mlp(S + A, 1), mlp(S, 1)
    q1_target, q2_target = copy.deepcopy(q1), copy.deepcopy(q2)
    nets = {"actor": actor, "q1": q1, "q2": q2, "q1_target": q1_target, "q2_target": q2_target, "v": v}
    out = {}

    def keep(prefix):
        for name, net in nets.items():
            for key, value in net.state_dict().items():
                out[f"{prefix}.{name}.{key}"] = value.detach().clone().contiguous()
        out[f"{prefix}.actor.log_std"] = log_std.detach().clone()

    keep("init")
    actor_opt = torch.optim.Adam(list(actor.parameters()) + [log_std], lr=LR)
    q_opt = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=LR)
    v_opt = torch.optim.Adam(v.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(actor_opt, DECAY)

    def q(net, s, a):
        return net(torch.cat([s, a], 1)).squeeze(-1)

    for t in range(STEPS):
        s = torch.randn(B, S)
        a = torch.rand(B, A) * 1.8 - 0.9
        r = torch.randn(B)
        s2 = s + 0.1 * torch.randn(B, S)
        d = (torch.rand(B) < 0.25).float()
        for key, value in {"observations": s, "actions": a, "rewards": r, "next_observations": s2, "terminals": d}.items():
            out[f"batch{t}.{key}"] = value.contiguous()

        with torch.no_grad():
            next_v = v(s2).squeeze(-1)
            target_q = torch.min(q(q1_target, s, a), q(q2_target, s, a))
        adv = target_q - v(s).squeeze(-1)
        v_loss = torch.mean(torch.abs(EXPECTILE - (adv < 0).float()) * adv ** 2)
        v_opt.zero_grad(); v_loss.backward(); v_opt.step()

        targets = r + (1.0 - d) * GAMMA * next_v
        q_loss = sum(torch.nn.functional.mse_loss(q(n, s, a), targets) for n in (q1, q2)) / 2
        q_opt.zero_grad(); q_loss.backward(); q_opt.step()
        with torch.no_grad():
            for target, source in ((q1_target, q1), (q2_target, q2)):
                for tp, sp in zip(target.parameters(), source.parameters()):
                    tp.mul_(1 - TAU).add_(TAU * sp)

        exp_adv = torch.exp(BETA * adv.detach()).clamp(max=MAX_WEIGHT)
        dist = torch.distributions.Normal(actor(s), torch.exp(log_std.clamp(-20.0, 2.0)))
        actor_loss = torch.mean(exp_adv * -dist.log_prob(a).sum(-1))
        actor_opt.zero_grad(); actor_loss.backward(); actor_opt.step(); schedule.step()
        out[f"losses{t}"] = torch.tensor([v_loss.item(), q_loss.item(), actor_loss.item()])

    keep("final")
    meta = {"generator": "make_iql_fixture.py", "torch": torch.__version__,
            "config": json.dumps({"lr": LR, "tau": TAU, "decay": DECAY, "expectile": EXPECTILE,
                                  "beta": BETA, "max_weight": MAX_WEIGHT, "discount": GAMMA,
                                  "hidden": [H, H], "batch": B, "steps": STEPS})}
    save_file(out, os.path.join(HERE, "iql_updates.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
