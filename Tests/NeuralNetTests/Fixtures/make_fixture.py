#!/usr/bin/env python3
"""Regenerates the safetensors interop fixture for SafeTensorsTests.

    /root/.cache/cdsa-reference-venv/bin/python Tests/NeuralNetTests/Fixtures/make_fixture.py

Writes, next to this script:
  torch_mlp.safetensors       written by safetensors.torch.save_file from PyTorch
  torch_mlp.expected.json     for every tensor: dtype in the file, shape, and the values
                              converted to float32 as hex bit patterns (8 hex digits each),
                              plus the metadata and one forward pass of the MLP

The Swift test reads the .safetensors file and compares bit for bit against the sidecar.
Deterministic: torch.manual_seed(0) and fixed extra tensors.
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def bits(t: torch.Tensor) -> list[str]:
    a = t.detach().to(torch.float32).contiguous().numpy().reshape(-1)
    return ["%08x" % int(b) for b in a.view(np.uint32)]


def main() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(11, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tensors = {name: p.detach().clone().contiguous() for name, p in model.state_dict().items()}

    # Half precision: normal, negative zero, smallest/largest subnormal, max, infinities, rounding.
    tensors["extra.f16"] = torch.tensor(
        [[1.0, -2.5, 0.1, -0.0], [2.0**-24, 1023 * 2.0**-24, 65504.0, float("inf")],
         [float("-inf"), 3.14159, -1e-3, 6.1e-5]], dtype=torch.float16)
    tensors["extra.bf16"] = torch.tensor([1.0, -3.140625, 1e30, -1e-30, 0.0, 7.5], dtype=torch.bfloat16)
    # Float64 values that round when converted to float32 (including to subnormal and overflow).
    tensors["extra.f64"] = torch.tensor(
        [[0.1, -1.0 / 3.0, 1e-40], [123456789.123, 2.0**-149 * 0.75, 1e39]], dtype=torch.float64)
    tensors["extra.scalar"] = torch.tensor(0.5, dtype=torch.float32)
    tensors["extra.empty"] = torch.zeros((0, 3), dtype=torch.float32)

    config = {"architecture": "mlp", "layers": [11, 8, 3], "activation": "relu"}
    metadata = {
        "format": "pt",
        "cdsa.config": json.dumps(config, sort_keys=True, separators=(",", ":")),
        "note": 'written by make_fixture.py — "quoted", tab\tand newline\n',
    }
    path = os.path.join(HERE, "torch_mlp.safetensors")
    save_file(tensors, path, metadata=metadata)

    x = torch.linspace(-1.0, 1.0, 2 * 11, dtype=torch.float32).reshape(2, 11)
    with torch.no_grad():
        y = model(x)

    expected = {
        "tensors": {
            name: {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape), "bits": bits(t)}
            for name, t in sorted(tensors.items())
        },
        "metadata": metadata,
        "forward": {"input": {"shape": list(x.shape), "bits": bits(x)},
                    "output": {"shape": list(y.shape), "bits": bits(y)}},
    }
    with open(os.path.join(HERE, "torch_mlp.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
