#!/usr/bin/python3
"""Writes a ResNet-50 (torchvision architecture, random weights, one logit) as ONNX with a dynamic batch axis.

Usage: /usr/bin/python3 make_resnet50.py OUT.onnx
Needs Debian's python3-torch and python3-torchvision (apt-get install python3-torchvision).
The output is a load-test model only: random weights, never committed, written to a temporary folder by the bench.
"""
import inspect
import sys

import torch
import torchvision


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    torch.manual_seed(20251128)
    model = torchvision.models.resnet50(weights=None, num_classes=1)
    model.eval()
    example = torch.rand(1, 3, 224, 224)
    # Newer PyTorch defaults to the dynamo exporter; the TorchScript one gives the same graph on every version used here.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(
            model,
            example,
            out,
            input_names=["input"],
            output_names=["logit"],
            dynamic_axes={"input": {0: "batch"}, "logit": {0: "batch"}},
            opset_version=13,
            do_constant_folding=True,
            **legacy,
        )
    print(f"wrote {out}: ResNet-50, random weights, input [N,3,224,224], output logit [N,1]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
