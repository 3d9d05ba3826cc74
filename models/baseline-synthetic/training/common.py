"""Shared pieces of the baseline-synthetic training pipeline.

Data loading, the deterministic grouped split, the model, the service's preprocessing recipe
(exactly as the C# service computes it) and the metrics. Everything here is plain PyTorch /
NumPy / PIL so that it runs with Debian's python3-torch.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import random
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

# --------------------------------------------------------------------------------------------
# The service recipe (manifest "input"). Centre crop CROP x CROP, no resize. Floats:
#   t = (float32(v) / 255f - MEAN) / STD        per channel, RGB, NCHW
# Images smaller than CROP in a dimension are padded, AFTER normalisation, with PAD_VALUE.
# Offsets as torchvision CenterCrop and the service's Placement.CenterCrop: x0 = round((W - CROP) / 2)
# with round half to even (Python round) when W >= CROP; when W < CROP the image is placed at column
# (CROP - W) // 2 of the tensor and the rest is PAD_VALUE. Same for rows.
# --------------------------------------------------------------------------------------------
CROP = 224
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)
PAD_VALUE = 0.0
# "rgb": 3 channels. "luma": one channel, the service's colorOrder "luma":
#   y = 0.299f*R + 0.587f*G + 0.114f*B (float32, summed left to right), then (y / 255f - 0.5) / 0.25.
COLOR = "rgb"


def set_color(mode: str) -> None:
    global COLOR, MEAN, STD, _MEAN, _STD
    assert mode in ("rgb", "luma")
    COLOR = mode
    n = 1 if mode == "luma" else 3
    MEAN, STD = (0.5,) * n, (0.25,) * n
    _MEAN = np.array(MEAN, np.float32).reshape(n, 1, 1)
    _STD = np.array(STD, np.float32).reshape(n, 1, 1)


def channels() -> int:
    return 1 if COLOR == "luma" else 3

SYNTH_SOURCES = ("declan", "cnndet", "comfyui", "kolors", "selfexsr")


def source_family(source: str) -> str:
    """declan, cnndet or modern (comfyui + kolors fakes vs selfexsr reals)."""
    return "modern" if source in ("comfyui", "kolors", "selfexsr") else source


def find_data_root(explicit: str | None = None) -> str:
    cands = []
    if explicit:
        cands.append(explicit)
    env = os.environ.get("DETECTOR_SHARED")
    if env:
        cands.append(os.path.join(env, "data"))
    here = os.path.dirname(os.path.abspath(__file__))
    # models/baseline-synthetic/training -> repo root -> ../shared/data
    cands.append(os.path.normpath(os.path.join(here, "..", "..", "..", "..", "shared", "data")))
    cands.append("/work/shared/data")
    for c in cands:
        if os.path.isfile(os.path.join(c, "index.csv")):
            return c
    raise SystemExit("data folder with index.csv not found; pass --data /path/to/shared/data")


@dataclass
class Item:
    path: str  # relative to the data root, e.g. synthetic/fake/cnndet_108_san.png
    label: int  # 1 = fake (synthetic), 0 = real
    source: str
    generator: str
    group: str
    fmt: str
    width: int
    height: int
    sha256: str
    img: np.ndarray | None = field(default=None, repr=False)  # HxWx3 uint8, RGB

    @property
    def family(self) -> str:
        return source_family(self.source)


def read_index(root: str, task: str = "synthetic") -> list[Item]:
    out = []
    with open(os.path.join(root, "index.csv"), newline="") as fh:
        for r in csv.DictReader(fh):
            if r["task"] != task:
                continue
            lab = r["label"]
            label = 1 if lab in ("fake", "forged") else 0
            out.append(Item(r["path"], label, r["source"], r["generator"], r["group"], r["format"],
                            int(r["width"]), int(r["height"]), r["sha256"]))
    out.sort(key=lambda it: it.path)
    return out


def decode_rgb(data_or_path) -> np.ndarray:
    """PIL decode, convert('RGB') (alpha dropped, grey replicated), as the service does."""
    with Image.open(data_or_path) as im:
        im.load()
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def load_images(root: str, items: list[Item], check_sha: bool = True) -> None:
    for it in items:
        p = os.path.join(root, it.path)
        with open(p, "rb") as fh:
            data = fh.read()
        if check_sha and hashlib.sha256(data).hexdigest() != it.sha256:
            raise SystemExit(f"sha256 mismatch for {it.path}")
        it.img = decode_rgb(io.BytesIO(data))


# --------------------------------------------------------------------------------------------
# Split
# --------------------------------------------------------------------------------------------
def _thumb(img: np.ndarray) -> np.ndarray:
    g = Image.fromarray(img).convert("L").resize((24, 24), Image.BILINEAR)
    a = np.asarray(g, dtype=np.float32).ravel()
    a = a - a.mean()
    return a / (np.linalg.norm(a) + 1e-6)


def group_key(it: Item) -> str:
    """The unit kept together by the split before near-duplicate merging."""
    if it.source in ("comfyui", "kolors") and it.group:
        return f"{it.source}:{it.group}"
    if it.source == "cnndet":
        # cnndet_<id>_<generator>.png: the id is the upstream ranking id (one file per id here).
        ident = os.path.basename(it.path).split("_")[1]
        return f"cnndet:{ident}"
    return f"{it.source}:{it.group or os.path.basename(it.path)}"


def make_split(items: list[Item], seed: int, val_frac: float, sel_frac: float,
               dup_threshold: float = 0.93) -> tuple[dict[str, str], list[tuple[str, str, float]]]:
    """Deterministic split -> {path: 'train'|'select'|'val'}.

    Groups: comfyui/kolors by index.csv `group`; cnndet by id; everything else by file. Then any
    two images whose 24x24 grey thumbnails correlate above `dup_threshold` (same scene, e.g. the
    seeingdark real/fake pair) are merged into one group (union-find) so they land on one side.
    Stratified by (source, label, cnndet generator): within each stratum the groups are shuffled
    with `seed` and dealt to val / select / train by target fractions.
    """
    keys = [group_key(it) for it in items]
    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    thumbs = np.stack([_thumb(it.img) for it in items])
    sim = thumbs @ thumbs.T
    dups = []
    n = len(items)
    for i in range(n):
        for j in range(i + 1, n):
            if sim[i, j] >= dup_threshold:
                dups.append((items[i].path, items[j].path, float(sim[i, j])))
                a, b = find(keys[i]), find(keys[j])
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(find(k), []).append(i)

    def stratum(i):
        it = items[i]
        gen = it.generator if it.source == "cnndet" else ""
        return (it.source, it.label, gen)

    # A merged group goes to the stratum of its first member (sorted by path).
    strata: dict[tuple, list[str]] = {}
    for g, idx in sorted(groups.items()):
        strata.setdefault(stratum(min(idx)), []).append(g)
    rng = random.Random(seed)
    assign: dict[str, str] = {}
    for st in sorted(strata):
        gl = strata[st]
        rng.shuffle(gl)
        total = sum(len(groups[g]) for g in gl)
        n_val = n_sel = 0
        for g in gl:
            size = len(groups[g])
            # deal to whichever split is furthest below its target
            need_val = val_frac * total - n_val
            need_sel = sel_frac * total - n_sel
            if need_val >= 0.5 and need_val >= need_sel:
                part = "val"
                n_val += size
            elif need_sel >= 0.5:
                part = "select"
                n_sel += size
            else:
                part = "train"
            for i in groups[g]:
                assign[items[i].path] = part
    return assign, dups


def write_split(path: str, items: list[Item], assign: dict[str, str]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "label", "source", "generator", "split"])
        for it in items:
            w.writerow([it.path, "fake" if it.label else "real", it.source, it.generator, assign[it.path]])


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------
class HighPass(nn.Module):
    """Fixed (not trained) residual filters applied per channel: x - box3(x), and the 2nd-order
    SRM-like 3x3 kernel. Removes image content at low frequencies, keeps the pixel-level traces."""

    def __init__(self, in_ch: int = 3):
        super().__init__()
        self.in_ch = in_ch
        k1 = -np.ones((3, 3), np.float32) / 9.0
        k1[1, 1] += 1.0
        k2 = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], np.float32) / 4.0
        # groups=in_ch: output channels 2c, 2c+1 come from input channel c
        w = np.zeros((2 * in_ch, 1, 3, 3), np.float32)
        for c in range(in_ch):
            w[2 * c, 0] = k1 * 4.0
            w[2 * c + 1, 0] = k2
        self.register_buffer("weight", torch.from_numpy(w))

    def forward(self, x):
        w = self.weight
        return F.conv2d(x, w, padding=1, groups=self.in_ch)


def conv_bn(cin, cout, stride=1, k=3):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 if k % 2 else 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SynthNet(nn.Module):
    """Small fully-convolutional detector: fixed high-pass -> conv stack -> global average
    pooling -> linear -> one logit. Runs on any input size >= ~32 px.

    arch "a": 3x3 conv at full resolution, then three stride-2 stages (about 560 MMAC at 224).
    arch "b": 4x4 stride-2 stem (sees every residual pixel, no full-resolution layer), then two
              stride-2 stages (about 245 MMAC at 224 for width 16).
    """

    def __init__(self, width: int = 16, highpass: bool = True, arch: str = "b", in_ch: int = 3):
        super().__init__()
        w = width
        self.highpass = HighPass(in_ch) if highpass else None
        cin = 2 * in_ch if highpass else in_ch
        if arch == "a":
            layers = [conv_bn(cin, w), conv_bn(w, 2 * w, 2), conv_bn(2 * w, 2 * w), conv_bn(2 * w, 4 * w, 2),
                      conv_bn(4 * w, 4 * w), conv_bn(4 * w, 8 * w, 2), conv_bn(8 * w, 8 * w)]
            cout = 8 * w
        elif arch == "b":
            layers = [conv_bn(cin, 2 * w, 2, k=4),             # /2
                      conv_bn(2 * w, 3 * w, 2), conv_bn(3 * w, 3 * w),   # /4
                      conv_bn(3 * w, 6 * w, 2), conv_bn(6 * w, 6 * w)]   # /8
            cout = 6 * w
        else:
            raise ValueError(arch)
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cout, 1)

    def forward(self, x):
        if self.highpass is not None:
            x = self.highpass(x)
        x = self.features(x)
        x = x.mean(dim=(2, 3))
        return self.head(x)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


# --------------------------------------------------------------------------------------------
# Recipe (service preprocessing) and patches
# --------------------------------------------------------------------------------------------
_MEAN = np.array(MEAN, np.float32).reshape(3, 1, 1)
_STD = np.array(STD, np.float32).reshape(3, 1, 1)


def normalise(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 -> CxHxW float32: (v / 255f - mean) / std, all in float32 like the service.
    For luma, v = 0.299f*R + 0.587f*G + 0.114f*B in float32 first (not rounded)."""
    if COLOR == "luma":
        f = rgb.astype(np.float32)
        y = np.float32(0.299) * f[..., 0] + np.float32(0.587) * f[..., 1]
        y = y + np.float32(0.114) * f[..., 2]
        t = (y / np.float32(255.0))[None]
    else:
        t = rgb.transpose(2, 0, 1).astype(np.float32) / np.float32(255.0)
    return ((t - _MEAN) / _STD).astype(np.float32)


def recipe_tensor(rgb: np.ndarray, size: int = CROP) -> np.ndarray:
    """The service's "center-crop" recipe: 3 x size x size float32."""
    h, w = rgb.shape[:2]
    out = np.full((channels(), size, size), PAD_VALUE, np.float32)
    if w >= size:
        sx, dx, cw = int(round((w - size) / 2.0)), 0, size
    else:
        sx, dx, cw = 0, (size - w) // 2, w
    if h >= size:
        sy, dy, ch = int(round((h - size) / 2.0)), 0, size
    else:
        sy, dy, ch = 0, (size - h) // 2, h
    out[:, dy:dy + ch, dx:dx + cw] = normalise(rgb[sy:sy + ch, sx:sx + cw])
    return out


def jpeg_roundtrip(rgb: np.ndarray, quality: int, subsampling: int = 0) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality), subsampling=subsampling)
    buf.seek(0)
    return decode_rgb(buf)


def png_roundtrip(rgb: np.ndarray) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    buf.seek(0)
    return decode_rgb(buf)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------
def auc(labels, scores) -> float:
    """ROC AUC via the Mann-Whitney statistic (ties count half)."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv), np.float64)
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2.0 + 1.0
        i = j + 1
    r = np.empty_like(ranks)
    r[order] = ranks
    rp = r[:len(pos)].sum()
    return float((rp - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def bootstrap_auc(labels, scores, reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval, resampling positives and negatives separately."""
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) < 2 or len(neg) < 2:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(reps):
        p = pos[rng.integers(0, len(pos), len(pos))]
        n = neg[rng.integers(0, len(neg), len(neg))]
        # fast AUC: fraction of (p, n) pairs ordered correctly
        cmp = (p[:, None] > n[None, :]).mean() + 0.5 * (p[:, None] == n[None, :]).mean()
        vals.append(cmp)
    return (float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5)))


def tpr_at_fpr(labels, scores, fpr: float) -> tuple[float, float]:
    """TPR when the threshold is the smallest score that keeps FPR <= fpr (positive = s >= thr).
    Returns (tpr, threshold)."""
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    neg = np.sort(s[y == 0])[::-1]
    pos = s[y == 1]
    k = int(math.floor(fpr * len(neg)))  # number of negatives allowed at or above threshold
    # threshold just above the (k+1)-th highest negative
    thr = np.nextafter(neg[k], np.inf) if k < len(neg) else -np.inf
    return float((pos >= thr).mean()), float(thr)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
