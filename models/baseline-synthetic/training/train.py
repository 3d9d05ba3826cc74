#!/usr/bin/python3
"""Train the baseline-synthetic detector, export model.onnx, write split.csv, validation.json
and manifest.json.

Run from anywhere (Debian's PyTorch; NOT the pyenv python):

    /usr/bin/python3 models/baseline-synthetic/training/train.py --seed 0

Data: ../shared/data beside the repository (or --data, or $DETECTOR_SHARED/data).
Outputs (in models/baseline-synthetic/): model.onnx, manifest.json, training/split.csv,
training/validation.json, training/train_log.txt.
"""

from __future__ import annotations

import os

# OpenMP threads spin-wait by default; on a 2-core machine shared with other builds that makes
# every step 4x slower. Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import hashlib
import math
import io
import json
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import evaluate as E  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)

# Each batch draws equally from these six strata (source family x class), so that no source
# and no class dominates, whatever the file counts.
STRATA = [("declan", 1), ("declan", 0), ("cnndet", 1), ("cnndet", 0), ("modern", 1), ("modern", 0)]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="shared/data folder (holds index.csv)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split-seed", type=int, default=0, help="seed of the train/select/val split")
    ap.add_argument("--val-frac", type=float, default=0.25)
    ap.add_argument("--sel-frac", type=float, default=0.15)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--arch", default="b", choices=["a", "b"])
    ap.add_argument("--color", default="rgb", choices=["rgb", "luma"], help="input channels (manifest colorOrder)")
    ap.add_argument("--no-highpass", action="store_true")
    ap.add_argument("--p-jpeg", type=float, default=0.3, help="probability of JPEG recompression (both classes)")
    ap.add_argument("--jpeg-min", type=int, default=70)
    ap.add_argument("--p-resize", type=float, default=0.1, help="probability of a mild random resize (both classes)")
    ap.add_argument("--p-chroma", type=float, default=0.5,
                    help="probability of 2x chroma subsampling + random-method upsampling (both classes): JPEG 4:2:0 "
                         "and decoder differences (ImageSharp vs libjpeg-turbo) live in chroma")
    ap.add_argument("--resize-range", type=float, nargs=2, default=(0.8, 1.25))
    ap.add_argument("--p-pad", type=float, default=0.05, help="probability of a padded patch (service pads images < crop)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fpr-target", type=float, default=0.05, help="threshold = this FPR among select-split reals")
    ap.add_argument("--out", default=MODEL_DIR, help="folder for model.onnx and manifest.json")
    ap.add_argument("--tag", default="", help="suffix for experiment outputs (no manifest/onnx when set)")
    ap.add_argument("--log", default=None, help="log file (default /tmp/baseline_synthetic_train_log.txt)")
    ap.add_argument("--eval-every", type=int, default=0, help="print select-split AUC every N steps (0: never)")
    return ap.parse_args(argv)


def set_seeds(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def chroma_roundtrip(rgb, r: random.Random):
    """Halve the chroma resolution (box average) and bring it back with a random filter, as a 4:2:0 JPEG
    and the various decoders do, without touching luma more than the YCbCr round trip does."""
    h, w = rgb.shape[:2]
    ycc = Image.fromarray(rgb).convert("YCbCr")
    y, cb, cr = ycc.split()
    up = r.choice([Image.NEAREST, Image.BILINEAR, Image.BICUBIC])
    cb = cb.resize(((w + 1) // 2, (h + 1) // 2), Image.BOX).resize((w, h), up)
    cr = cr.resize(((w + 1) // 2, (h + 1) // 2), Image.BOX).resize((w, h), up)
    return np.asarray(Image.merge("YCbCr", (y, cb, cr)).convert("RGB"))


class PatchSampler:
    """Random training patches at native resolution with shortcut-breaking augmentation."""

    def __init__(self, items, args, rng: random.Random):
        self.args = args
        self.rng = rng
        self.by_stratum = {s: [it for it in items if (it.family, it.label) == s] for s in STRATA}
        for s, lst in self.by_stratum.items():
            if not lst:
                raise SystemExit(f"no training images in stratum {s}")

    def patch(self, it, p):
        a, r = self.args, self.rng
        img = it.img
        h, w = img.shape[:2]
        m = 8  # margin so the final crop shifts the JPEG 8x8 grid
        if r.random() < a.p_resize:
            f = r.uniform(*a.resize_range)  # output/input scale
            src = min(int(round((p + m) / f)), h, w)
            y, x = r.randint(0, h - src), r.randint(0, w - src)
            pil = Image.fromarray(img[y:y + src, x:x + src])
            pil = pil.resize((p + m, p + m), r.choice([Image.BILINEAR, Image.BICUBIC, Image.LANCZOS]))
            crop = np.asarray(pil)
        else:
            s = min(p + m, h, w)
            y, x = r.randint(0, h - s), r.randint(0, w - s)
            crop = img[y:y + s, x:x + s]
        if r.random() < 0.5:
            crop = crop[:, ::-1]
        crop = np.ascontiguousarray(crop)
        if a.p_chroma > 0 and r.random() < a.p_chroma:  # no draw when off: keeps the stream of runs without it
            crop = chroma_roundtrip(crop, r)
        if r.random() < a.p_jpeg:
            crop = C.jpeg_roundtrip(crop, r.randint(a.jpeg_min, 100), r.choice([0, 2]))
        s = crop.shape[0]
        oy, ox = r.randint(0, s - p), r.randint(0, s - p)
        crop = crop[oy:oy + p, ox:ox + p]
        t = C.normalise(crop)
        if r.random() < a.p_pad:
            # service pads images smaller than the crop with PAD_VALUE (after normalisation), centred
            k = r.randint(p // 2, p - 8)
            out = np.full_like(t, C.PAD_VALUE)
            d = (p - k) // 2
            if r.random() < 0.5:
                out[:, d:d + k, :] = t[:, :k, :]
            else:
                out[:, :, d:d + k] = t[:, :, :k]
            t = out
        return t

    def batch(self, n, p):
        xs, ys = [], []
        for i in range(n):
            s = STRATA[i % len(STRATA)] if i < n - n % len(STRATA) else self.rng.choice(STRATA)
            it = self.rng.choice(self.by_stratum[s])
            xs.append(self.patch(it, p))
            ys.append(it.label)
        return torch.from_numpy(np.stack(xs)), torch.tensor(ys, dtype=torch.float32).view(-1, 1)


def train(args, train_items, select_items, log):
    set_seeds(args.seed)
    rng = random.Random(args.seed)
    model = C.SynthNet(width=args.width, highpass=not args.no_highpass, arch=args.arch, in_ch=C.channels())
    log(f"model params: {C.count_params(model)}")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    sampler = PatchSampler(train_items, args, rng)
    t0 = time.time()
    tdata = 0.0
    run_loss = 0.0
    for step in range(1, args.steps + 1):
        model.train()
        td = time.time()
        x, y = sampler.batch(args.batch, args.patch)
        tdata += time.time() - td
        logit = model(x)
        loss = F.binary_cross_entropy_with_logits(logit, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run_loss = 0.98 * run_loss + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 100 == 0 or step == args.steps:
            msg = f"step {step}/{args.steps} loss {run_loss:.4f} lr {sched.get_last_lr()[0]:.2e} " \
                  f"elapsed {time.time() - t0:.0f}s (data {tdata:.0f}s)"
            if args.eval_every and step % args.eval_every == 0:
                sc = E.score_items(model, select_items)
                msg += " | select AUC " + E.short_auc_line(select_items, sc)
            log(msg)
    model.eval()
    return model


def export_onnx(model, path, log):
    model.eval()
    dummy = torch.randn(2, C.channels(), C.CROP, C.CROP)
    torch.onnx.export(
        model, dummy, path, opset_version=17, input_names=["input"], output_names=["logit"],
        dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "logit": {0: "batch"}},
        do_constant_folding=True,
    )
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    log(f"onnx: {path} {os.path.getsize(path)} bytes, opset {m.opset_import[0].version}, checker OK")
    return m


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    args = parse_args(argv)
    C.set_color(args.color)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    set_seeds(args.seed)
    tag = args.tag
    log_path = args.log or f"/tmp/baseline_synthetic_train_log{('_' + tag) if tag else ''}.txt"
    logf = open(log_path, "w")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    log("args: " + json.dumps(vars(args), sort_keys=True))
    log(f"torch {torch.__version__}, numpy {np.__version__}, PIL {Image.__version__}")
    root = C.find_data_root(args.data)
    t0 = time.time()
    items = C.read_index(root, "synthetic")
    C.load_images(root, items)
    log(f"loaded {len(items)} images from {root} in {time.time() - t0:.1f}s")

    assign, dups = C.make_split(items, args.split_seed, args.val_frac, args.sel_frac)
    for a, b, s in dups:
        log(f"near-duplicate kept together: {a} ~ {b} (thumb corr {s:.3f})")
    split_path = os.path.join(HERE, "split.csv")
    if not tag:
        C.write_split(split_path, items, assign)
    parts = {p: [it for it in items if assign[it.path] == p] for p in ("train", "select", "val")}
    for p, lst in parts.items():
        cnt = {}
        for it in lst:
            k = f"{it.source}/{'fake' if it.label else 'real'}"
            cnt[k] = cnt.get(k, 0) + 1
        log(f"split {p}: {len(lst)} {json.dumps(cnt, sort_keys=True)}")

    t1 = time.time()
    model = train(args, parts["train"], parts["select"], log)
    train_s = time.time() - t1
    log(f"training took {train_s:.0f}s")

    # ---- threshold from the select split (never from validation) ----
    sel_scores = E.score_items(model, parts["select"])
    sel_labels = [it.label for it in parts["select"]]
    sel_logits = np.array(sel_scores)
    neg = np.sort(sel_logits[np.array(sel_labels) == 0])
    # smallest logit threshold with FPR <= target among select reals
    tpr_sel, thr_logit = C.tpr_at_fpr(sel_labels, sel_logits, args.fpr_target)
    # the manifest's value: rounded UP to 6 decimals so that FPR on the select reals stays <= target
    threshold = math.ceil(float(C.sigmoid(thr_logit)) * 1e6) / 1e6
    log(f"select split: {len(neg)} reals; threshold logit {thr_logit:.4f} -> P {threshold:.4f} "
        f"(FPR <= {args.fpr_target} on select reals, TPR there {tpr_sel:.3f})")

    # ---- validation (recipe exactly as the service) ----
    report = E.full_report(model, parts, threshold, root, log)
    report["threshold"] = {
        "probability": threshold, "logit": thr_logit, "chosen_on": "select split reals",
        "fpr_target": args.fpr_target, "select_tpr": tpr_sel, "select_reals": int(len(neg)),
    }
    report["training"] = {"seconds": round(train_s, 1), "args": vars(args),
                          "params": C.count_params(model), "torch": torch.__version__}

    if tag:
        with open(f"/tmp/baseline_synthetic_validation_{tag}.json", "w") as fh:
            json.dump(report, fh, indent=2, sort_keys=True)
        torch.save(model.state_dict(), f"/tmp/baseline_synthetic_{tag}.pt")
        log("experiment run: no model.onnx / manifest written")
        return

    onnx_path = os.path.join(args.out, "model.onnx")
    export_onnx(model, onnx_path, log)
    torch.save(model.state_dict(), "/tmp/baseline_synthetic_final.pt")
    report["export"] = E.export_checks(model, onnx_path, parts["val"], log)
    with open(os.path.join(HERE, "validation.json"), "w") as fh:
        json.dump(report, fh, indent=2, sort_keys=True)

    manifest = {
        "name": "baseline-synthetic",
        "version": "0.1.0",
        "task": "synthetic",
        "description": "Project baseline: small high-pass CNN trained on public research crops "
                       "(declan, CNNDetection, ComfyUI/Kolors vs SelfExSR); weak evidence only.",
        "caution": "weak baseline, see its model card: never sufficient alone",
        "file": "model.onnx",
        "sha256": sha256_file(onnx_path),
        "default": True,
        "threshold": threshold,
        "maxBatchSize": 16,
        "input": {
            "name": "input",
            "layout": "NCHW",
            "colorOrder": "luma" if args.color == "luma" else "RGB",
            "width": C.CROP,
            "height": C.CROP,
            "resize": "center-crop",
            "scale": "divide",
            "scaleValue": 255,
            "mean": list(C.MEAN),
            "std": list(C.STD),
            "padValue": C.PAD_VALUE,
        },
        "output": {"name": "logit", "kind": "logit", "meaning": "P(synthetic) = sigmoid(logit)"},
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    log(f"wrote {os.path.join(args.out, 'manifest.json')}")


if __name__ == "__main__":
    main()
