#!/usr/bin/python3
"""Run model.onnx with ONNX Runtime (the NuGet package the service uses, through the small C#
helper in ortcheck/, because Debian has no python3-onnxruntime) and compare its logits with the
graph interpreter of evaluate.py (itself checked against PyTorch by train.py). Then time
inference at batch 16, 224 x 224, 2 threads.

    /usr/bin/python3 models/baseline-synthetic/training/ort_check.py

Adds its results to training/validation.json under "onnxruntime_check". Needs the .NET SDK and the Microsoft.ML.OnnxRuntime package
(restored from NuGet like the service's).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402
import evaluate as E  # noqa: E402

BIN = "/tmp/baseline_synthetic_ortcheck"


def write_tensor(path, a):
    a = np.ascontiguousarray(a, dtype="<f4")
    with open(path, "wb") as fh:
        fh.write(struct.pack("<i", a.ndim))
        fh.write(struct.pack(f"<{a.ndim}i", *a.shape))
        fh.write(a.tobytes())


def read_tensor(path):
    with open(path, "rb") as fh:
        nd = struct.unpack("<i", fh.read(4))[0]
        shape = struct.unpack(f"<{nd}i", fh.read(4 * nd))
        return np.frombuffer(fh.read(), dtype="<f4").reshape(shape)


def main():
    torch.set_num_threads(2)
    man = json.load(open(os.path.join(os.path.dirname(HERE), "manifest.json")))
    C.set_color("luma" if man["input"]["colorOrder"] == "luma" else "rgb")
    model_path = os.path.join(os.path.dirname(HERE), "model.onnx")
    subprocess.run(["dotnet", "build", "-c", "Release", "-nologo", "-v", "q", "-o", BIN,
                    os.path.join(HERE, "ortcheck", "OrtCheck.csproj")], check=True)
    dll = os.path.join(BIN, "OrtCheck.dll")
    root = C.find_data_root(None)
    items = C.read_index(root)
    import csv
    split = {r["file"]: r["split"] for r in csv.DictReader(open(os.path.join(HERE, "split.csv")))}
    val = [it for it in items if split[it.path] == "val"]
    C.load_images(root, val)
    rng = np.random.default_rng(1)
    cases = {
        "val_recipe_b16_224": np.stack([C.recipe_tensor(it.img) for it in val[:16]]),
        "val_recipe_b1_224": C.recipe_tensor(val[-1].img)[None],
        "random_b3_224": rng.standard_normal((3, C.channels(), 224, 224)).astype(np.float32),
        "native_b1_240x320": C.normalise(next(it.img for it in val if it.img.shape[0] >= 240 and it.img.shape[1] >= 320)[:240, :320])[None],
    }
    m = onnx.load(model_path)
    res = {"model_sha256": __import__("hashlib").sha256(open(model_path, "rb").read()).hexdigest(), "cases": {}}
    for k, x in cases.items():
        write_tensor("/tmp/_ort_in.bin", x)
        subprocess.run(["dotnet", dll, "run", model_path, "/tmp/_ort_in.bin", "/tmp/_ort_out.bin", "2"], check=True,
                       stdout=subprocess.DEVNULL)
        o = read_tensor("/tmp/_ort_out.bin")
        ref = E.run_onnx_graph(m, x)
        res["cases"][k] = {"shape": list(x.shape), "out_shape": list(o.shape),
                           "max_abs_diff_ort_vs_graph": float(np.abs(o - ref).max())}
        print(k, res["cases"][k])
    bench = subprocess.run(["dotnet", dll, "bench", model_path, "16", "224", "10", "2", str(C.channels())], check=True,
                           capture_output=True, text=True).stdout.strip()
    bench1 = subprocess.run(["dotnet", dll, "bench", model_path, "1", "224", "5", "2", str(C.channels())], check=True,
                            capture_output=True, text=True).stdout.strip()
    load = open("/proc/loadavg").read().split()[:3]
    res["bench"] = {"batch16": bench, "batch1": bench1, "loadavg_1_5_15": load, "cpus": os.cpu_count()}
    print(bench)
    print(bench1)
    print("load average", load)
    vpath = os.path.join(HERE, "validation.json")
    rep = json.load(open(vpath))
    rep["onnxruntime_check"] = res
    with open(vpath, "w") as fh:
        json.dump(rep, fh, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
