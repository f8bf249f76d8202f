#!/usr/bin/env python3
"""Regenerates the foreign-policy fixtures for ForeignPolicyTests.

    /root/.cache/cdsa-reference-venv/bin/python Tests/OfflineRLTests/Fixtures/make_policy_fixture.py

Writes, next to this script:
  torch_sac_actor.safetensors   a SAC-style actor: net = Sequential(Linear(11,32), ReLU, Linear(32,32),
                                ReLU, Linear(32,6)) emitting [mean, log_std] for 3 actions, saved from
                                a wrapper module (names net.0.weight, …) with a second network beside it
                                (critic.*) so the loader must pick the actor by prefix
  torch_ln_actor.safetensors    a LayerNorm actor: Sequential(Linear(4,16), LayerNorm(16), Tanh,
                                Linear(16,2), Tanh), plain Sequential names (0.weight, 1.weight, …)
  torch_policies.expected.json  observations, the normaliser, and PyTorch's actions (float32) for both

Deterministic: torch.manual_seed(1).
"""
import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    torch.manual_seed(1)
    nn = torch.nn

    class SAC(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(11, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 6))
            self.critic = nn.Sequential(nn.Linear(14, 8), nn.ReLU(), nn.Linear(8, 1))

    sac = SAC()
    mean = torch.linspace(-1, 1, 11)
    std = torch.linspace(0.5, 2, 11)
    obs = torch.randn(5, 11) * 2
    with torch.no_grad():
        out = sac.net((obs - mean) / std)
        sac_actions = torch.tanh(out[:, :3])
    save_file({k: v.contiguous() for k, v in sac.state_dict().items()}, os.path.join(HERE, "torch_sac_actor.safetensors"))

    ln = nn.Sequential(nn.Linear(4, 16), nn.LayerNorm(16), nn.Tanh(), nn.Linear(16, 2), nn.Tanh())
    with torch.no_grad():
        ln[1].weight.uniform_(0.5, 1.5)
        ln[1].bias.uniform_(-0.2, 0.2)
    ln_obs = torch.randn(4, 4)
    with torch.no_grad():
        ln_actions = ln(ln_obs)
    save_file({k: v.contiguous() for k, v in ln.state_dict().items()}, os.path.join(HERE, "torch_ln_actor.safetensors"))

    expected = {
        "sac": {"observations": obs.tolist(), "mean": mean.tolist(), "std": std.tolist(), "actions": sac_actions.tolist()},
        "layernorm": {"observations": ln_obs.tolist(), "actions": ln_actions.tolist()},
    }
    with open(os.path.join(HERE, "torch_policies.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
