"""Evaluation of the baseline-synthetic model with the service's recipe, shortcut checks and
export checks. Imported by train.py; also runnable on its own against a saved state dict:

    /usr/bin/python3 models/baseline-synthetic/training/evaluate.py --state /tmp/baseline_synthetic_final.pt
"""

from __future__ import annotations

import io
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402


@torch.no_grad()
def score_arrays(model, arrays, batch=16):
    """Logits for a list of HxWx3 uint8 images, each through the service recipe (centre crop)."""
    model.eval()
    out = []
    for i in range(0, len(arrays), batch):
        x = torch.from_numpy(np.stack([C.recipe_tensor(a) for a in arrays[i:i + batch]]))
        out.extend(model(x).view(-1).tolist())
    return out


def score_items(model, items):
    return score_arrays(model, [it.img for it in items])


def _fam_sets(items):
    fams = {"all": list(range(len(items)))}
    for fam in ("declan", "cnndet", "modern"):
        fams[fam] = [i for i, it in enumerate(items) if it.family == fam]
    return fams


def short_auc_line(items, scores):
    y = np.array([it.label for it in items])
    s = np.array(scores)
    return " ".join(f"{k} {C.auc(y[idx], s[idx]):.3f}" for k, idx in _fam_sets(items).items())


def metrics(labels, scores, threshold_logit=None, boot=True, seed=0):
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    m = {"n_fake": int((y == 1).sum()), "n_real": int((y == 0).sum()), "auc": C.auc(y, s)}
    if boot:
        lo, hi = C.bootstrap_auc(y, s, seed=seed)
        m["auc_ci95"] = [lo, hi]
    if m["n_fake"] and m["n_real"]:
        m["tpr_at_fpr1"] = C.tpr_at_fpr(y, s, 0.01)[0]
        m["tpr_at_fpr5"] = C.tpr_at_fpr(y, s, 0.05)[0]
    if threshold_logit is not None:
        pred = s >= threshold_logit
        if m["n_real"]:
            m["fpr_at_threshold"] = float(pred[y == 0].mean())
        if m["n_fake"]:
            m["tpr_at_threshold"] = float(pred[y == 1].mean())
    return m


def jpeg_q90(rgb):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)  # PIL defaults (4:2:0)
    buf.seek(0)
    return C.decode_rgb(buf)


ORTCHECK_BIN = "/tmp/baseline_synthetic_ortcheck"


def imagesharp_decode(paths):
    """Decode files with ImageSharp 2.1.13, the service's decoder (C# helper in ortcheck/). For JPEG it
    differs from PIL/libjpeg-turbo (most on 4:2:0 chroma upsampling); PNG is identical."""
    import struct
    import subprocess
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    dll = os.path.join(ORTCHECK_BIN, "OrtCheck.dll")
    if not os.path.exists(dll):
        subprocess.run(["dotnet", "build", "-c", "Release", "-nologo", "-v", "q", "-o", ORTCHECK_BIN,
                        os.path.join(here, "ortcheck", "OrtCheck.csproj")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as td:
        lst, out = os.path.join(td, "list.txt"), os.path.join(td, "rgb.bin")
        with open(lst, "w") as fh:
            fh.write("\n".join(paths))
        subprocess.run(["dotnet", dll, "decode", lst, out], check=True)
        b = open(out, "rb").read()
    arrs, o = [], 0
    while o < len(b):
        w, h = struct.unpack_from("<ii", b, o)
        o += 8
        arrs.append(np.frombuffer(b, np.uint8, w * h * 3, o).reshape(h, w, 3).copy())
        o += w * h * 3
    assert len(arrs) == len(paths)
    return arrs


def service_decoder_report(model, parts, thr_logit, root, log):
    """Scores as the service computes them: ImageSharp decode (JPEG files), then the same recipe."""
    rep = {}
    for part in ("select", "val"):
        items = parts[part]
        y = np.array([it.label for it in items])
        s_pil = np.array(score_items(model, items))
        jpg = [i for i, it in enumerate(items) if it.fmt == "JPEG"]
        dec = imagesharp_decode([os.path.join(root, items[i].path) for i in jpg])
        s_is = s_pil.copy()
        if jpg:
            s_is[jpg] = np.array(score_arrays(model, dec))
        dp = np.abs(C.sigmoid(s_is[jpg]) - C.sigmoid(s_pil[jpg])) if jpg else np.zeros(0)
        r = {"n_jpeg": len(jpg), "jpeg_mean_abs_delta_p": float(dp.mean()) if len(dp) else 0.0,
             "jpeg_max_abs_delta_p": float(dp.max()) if len(dp) else 0.0,
             "verdicts_changed": int(((s_is >= thr_logit) != (s_pil >= thr_logit)).sum())}
        for fam, idx in _fam_sets(items).items():
            r[f"auc_{fam}"] = C.auc(y[idx], s_is[idx])
        r["per_file_delta_p"] = {items[i].path: round(float(d), 5) for i, d in zip(jpg, dp)}
        rep[part] = r
        log(f"[{part} service decoder] JPEG files {len(jpg)} mean|dP| {r['jpeg_mean_abs_delta_p']:.4f} "
            f"max {r['jpeg_max_abs_delta_p']:.4f} verdicts changed {r['verdicts_changed']} AUC "
            + " ".join(f"{k} {r['auc_' + k]:.3f}" for k in ("all", "declan", "cnndet", "modern")))
    return rep


def full_report(model, parts, threshold, root, log):
    thr_logit = float(np.log(threshold / (1 - threshold)))
    rep = {"recipe": {"color": C.COLOR, "crop": C.CROP, "mean": C.MEAN, "std": C.STD, "padValue": C.PAD_VALUE,
                      "formula": "(float32(v)/255 - mean)/std, RGB, NCHW, centre crop at round((W-224)/2), round((H-224)/2) "
                                 "(half to even), no resize; smaller images placed at (224-W)//2 and padded with padValue"}}
    tr = parts["train"]
    ytr, str_ = np.array([it.label for it in tr]), np.array(score_items(model, tr))
    rep["train_auc_centre_crop"] = {k: C.auc(ytr[idx], str_[idx]) for k, idx in _fam_sets(tr).items()}
    log("[train] AUC (centre crop; fitted data) " + json.dumps({k: round(v, 3) for k, v in rep["train_auc_centre_crop"].items()}))
    for part in ("select", "val"):
        items = parts[part]
        y = np.array([it.label for it in items])
        s = np.array(score_items(model, items))
        r = {}
        for fam, idx in _fam_sets(items).items():
            r[fam] = metrics(y[idx], s[idx], thr_logit)
        # per source (each fake source against its reals)
        for src in ("comfyui", "kolors"):
            idx = [i for i, it in enumerate(items) if it.source in (src, "selfexsr")]
            r[f"{src}_vs_selfexsr"] = metrics(y[idx], s[idx], thr_logit)
        # per cnndet generator (tiny; no intervals)
        gens = sorted({it.generator for it in items if it.source == "cnndet"})
        r["cnndet_by_generator"] = {
            g: metrics(y[[i for i, it in enumerate(items) if it.source == "cnndet" and it.generator == g]],
                       s[[i for i, it in enumerate(items) if it.source == "cnndet" and it.generator == g]],
                       thr_logit, boot=False)
            for g in gens}
        rep[part] = r
        log(f"[{part}] AUC " + short_auc_line(items, s))
        for fam in ("all", "declan", "cnndet", "modern", "comfyui_vs_selfexsr", "kolors_vs_selfexsr"):
            m = r[fam]
            log(f"[{part}] {fam:20s} n={m['n_fake']}f/{m['n_real']}r AUC {m['auc']:.3f} "
                f"CI95 [{m['auc_ci95'][0]:.3f}, {m['auc_ci95'][1]:.3f}] TPR@1%FPR {m.get('tpr_at_fpr1', float('nan')):.3f} "
                f"TPR@5%FPR {m.get('tpr_at_fpr5', float('nan')):.3f} thr: FPR {m.get('fpr_at_threshold', float('nan')):.3f} "
                f"TPR {m.get('tpr_at_threshold', float('nan')):.3f}")
        if part == "val":
            rep["val_scores"] = [{"file": it.path, "label": int(it.label), "source": it.source,
                                  "logit": round(float(v), 5)} for it, v in zip(items, s)]

    # ---- robustness: re-encode the whole image, then the same recipe (select and val) ----
    for part in ("select", "val"):
        items = parts[part]
        y = np.array([it.label for it in items])
        s0 = np.array(score_items(model, items))
        p0 = C.sigmoid(s0)
        rob = {}
        for name, fn in (("png", C.png_roundtrip), ("jpeg_q90", jpeg_q90)):
            s1 = np.array(score_arrays(model, [fn(it.img) for it in items]))
            p1 = C.sigmoid(s1)
            rr = {"mean_abs_delta_p": float(np.abs(p1 - p0).mean()), "max_abs_delta_p": float(np.abs(p1 - p0).max()),
                  "mean_delta_p_fake": float((p1 - p0)[y == 1].mean()), "mean_delta_p_real": float((p1 - p0)[y == 0].mean())}
            for fam, idx in _fam_sets(items).items():
                rr[f"auc_{fam}"] = C.auc(y[idx], s1[idx])
            rr["verdicts_changed"] = int(((s1 >= thr_logit) != (s0 >= thr_logit)).sum())
            rob[name] = rr
            log(f"[{part} re-encoded {name}] mean|dP| {rr['mean_abs_delta_p']:.4f} max {rr['max_abs_delta_p']:.4f} "
                f"dP fake {rr['mean_delta_p_fake']:+.4f} real {rr['mean_delta_p_real']:+.4f} AUC "
                + " ".join(f"{k} {rr['auc_' + k]:.3f}" for k in ("all", "declan", "cnndet", "modern"))
                + f" verdicts changed {rr['verdicts_changed']}")
        rep[f"robustness_{part}"] = rob
    items = parts["val"]
    y = np.array([it.label for it in items])
    s0 = np.array(score_items(model, items))

    # ---- does size / format explain the scores? ----
    sf = {}
    buckets = {}
    for i, it in enumerate(items):
        buckets.setdefault(f"{it.family}|{it.fmt}|{it.width}x{it.height}", []).append(i)
    sf["buckets"] = {}
    for k, idx in sorted(buckets.items()):
        yy = y[idx]
        ent = {"n_fake": int(yy.sum()), "n_real": int((yy == 0).sum())}
        if ent["n_fake"] >= 2 and ent["n_real"] >= 2:
            ent["auc"] = C.auc(yy, s0[idx])
        sf["buckets"][k] = ent
    mod = [i for i, it in enumerate(items) if it.family == "modern"]
    is_jpeg = np.array([1.0 if items[i].fmt == "JPEG" else 0.0 for i in mod])
    area = np.array([items[i].width * items[i].height for i in mod], np.float64)
    ym, sm = y[mod], s0[mod]
    sf["modern_png_only_auc"] = C.auc(ym[is_jpeg == 0], sm[is_jpeg == 0])
    sf["modern_png_512_only_auc"] = C.auc(
        ym[(is_jpeg == 0) & (area == 512 * 512)], sm[(is_jpeg == 0) & (area == 512 * 512)])
    sf["modern_shortcut_auc_is_jpeg"] = C.auc(ym, is_jpeg)  # what 'JPEG => fake' alone would score
    sf["modern_shortcut_auc_area"] = C.auc(ym, area)  # what 'bigger => fake' alone would score
    fk = ym == 1
    if is_jpeg[fk].sum() and (1 - is_jpeg[fk]).sum():
        sf["modern_fakes_mean_logit_jpeg"] = float(sm[fk & (is_jpeg == 1)].mean())
        sf["modern_fakes_mean_logit_png"] = float(sm[fk & (is_jpeg == 0)].mean())
    rl = ym == 0
    if rl.sum() > 2:
        sf["modern_reals_corr_logit_area"] = float(np.corrcoef(sm[rl], area[rl])[0, 1]) if area[rl].std() > 0 else None
    rep["size_format_val"] = sf
    log("[val size/format] " + json.dumps({k: v for k, v in sf.items() if k != "buckets"}))
    for k, v in sf["buckets"].items():
        if "auc" in v:
            log(f"[val bucket] {k} n={v['n_fake']}f/{v['n_real']}r AUC {v['auc']:.3f}")

    # ---- the service's JPEG decoder (ImageSharp) instead of PIL ----
    try:
        rep["service_decoder_imagesharp"] = service_decoder_report(model, parts, thr_logit, root, log)
    except Exception as ex:  # no .NET SDK: not fatal
        log(f"[service decoder] skipped: {ex}")

    # ---- out-of-distribution real photographs: ManTraNet originals (and forged = edited, not AI) ----
    try:
        man = C.read_index(root, "manipulation")
        C.load_images(root, man)
        sm_ = np.array(score_items(model, man))
        ood = {}
        for lab, name in ((0, "original"), (1, "forged")):
            v = sm_[np.array([it.label for it in man]) == lab]
            ood[name] = {"n": int(len(v)), "flagged_at_threshold": float((v >= thr_logit).mean()),
                         "mean_p": float(C.sigmoid(v).mean()), "median_p": float(np.median(C.sigmoid(v)))}
        try:  # the same photographs through the service's decoder
            jpg = [i for i, it in enumerate(man) if it.fmt == "JPEG"]
            dec = imagesharp_decode([os.path.join(root, man[i].path) for i in jpg])
            s_is = sm_.copy()
            s_is[jpg] = np.array(score_arrays(model, dec))
            for lab, name in ((0, "original"), (1, "forged")):
                v = s_is[np.array([it.label for it in man]) == lab]
                ood[name]["imagesharp_flagged_at_threshold"] = float((v >= thr_logit).mean())
                ood[name]["imagesharp_median_p"] = float(np.median(C.sigmoid(v)))
        except Exception as ex:
            log(f"[ood mantranet] service decoder skipped: {ex}")
        rep["ood_real_photos_mantranet"] = ood
        log("[ood mantranet, all are real photographs or human edits] " + json.dumps(ood))
    except Exception as e:  # data layout changed: not fatal
        log(f"[ood mantranet] skipped: {e}")
    return rep


# --------------------------------------------------------------------------------------------
# Export checks: re-run the exported ONNX graph with an independent interpreter built from its
# nodes and initializers (no onnxruntime in Debian), compare with torch.
# --------------------------------------------------------------------------------------------
def run_onnx_graph(model_proto, x: np.ndarray) -> np.ndarray:
    from onnx import numpy_helper
    g = model_proto.graph
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
    env[g.input[0].name] = torch.from_numpy(x)

    def attr(node, name, default=None):
        for a in node.attribute:
            if a.name == name:
                from onnx import helper
                return helper.get_attribute_value(a)
        return default

    for n in g.node:
        ins = [env[i] if i else None for i in n.input]
        if n.op_type == "Conv":
            pads = attr(n, "pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3]
            out = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=tuple(attr(n, "strides", [1, 1])),
                           padding=(pads[0], pads[1]), dilation=tuple(attr(n, "dilations", [1, 1])),
                           groups=attr(n, "group", 1))
        elif n.op_type == "Relu":
            out = F.relu(ins[0])
        elif n.op_type == "ReduceMean":
            out = ins[0].mean(dim=tuple(attr(n, "axes")), keepdim=bool(attr(n, "keepdims", 1)))
        elif n.op_type == "GlobalAveragePool":
            out = ins[0].mean(dim=(2, 3), keepdim=True)
        elif n.op_type == "Gemm":
            a, b = ins[0], ins[1]
            if attr(n, "transA", 0):
                a = a.t()
            if attr(n, "transB", 0):
                b = b.t()
            out = attr(n, "alpha", 1.0) * (a @ b) + attr(n, "beta", 1.0) * (ins[2] if len(ins) > 2 else 0)
        elif n.op_type == "Flatten":
            out = ins[0].reshape(ins[0].shape[0], -1)
        elif n.op_type == "BatchNormalization":
            out = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, attr(n, "epsilon", 1e-5))
        elif n.op_type == "Constant":
            from onnx import numpy_helper as nh
            out = torch.from_numpy(nh.to_array(attr(n, "value")).copy())
        else:
            raise NotImplementedError(f"op {n.op_type} not in the checker")
        env[n.output[0]] = out
    return env[g.output[0].name].numpy()


def export_checks(model, onnx_path, val_items, log):
    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    inp = m.graph.input[0]
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    out = m.graph.output[0]
    odims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    rng = np.random.default_rng(0)
    inputs = {
        "val_recipe_batch16": np.stack([C.recipe_tensor(it.img) for it in val_items[:16]]),
        "random_normal_b3_224": rng.standard_normal((3, C.channels(), 224, 224)).astype(np.float32),
        "val_recipe_b2_native_320": np.stack([C.normalise(it.img[:320, :320]) for it in val_items
                                              if min(it.img.shape[:2]) >= 320][:2]),
    }
    diffs = {}
    model.eval()
    with torch.no_grad():
        for k, x in inputs.items():
            t = model(torch.from_numpy(x)).numpy()
            o = run_onnx_graph(m, x)
            diffs[k] = float(np.abs(t - o).max())
    # inference speed of the torch model at 2 threads (proxy; the C# bench measures onnxruntime)
    x = torch.from_numpy(inputs["val_recipe_batch16"])
    with torch.no_grad():
        for _ in range(2):
            model(x)
        t0 = time.time()
        reps = 10
        for _ in range(reps):
            model(x)
        dt = time.time() - t0
    ips = reps * 16 / dt
    res = {"opset": m.opset_import[0].version, "ops": ops, "input": {"name": inp.name, "dims": dims},
           "output": {"name": out.name, "dims": odims}, "bytes": os.path.getsize(onnx_path),
           "max_abs_diff_torch_vs_onnx_graph": diffs, "torch_images_per_s_batch16_224_threads": ips,
           "torch_threads": torch.get_num_threads()}
    log("[export] " + json.dumps(res))
    return res


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--data", default=None)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--arch", default="b")
    ap.add_argument("--color", default="rgb")
    ap.add_argument("--threshold", type=float, default=0.5)
    a = ap.parse_args()
    torch.set_num_threads(2)
    C.set_color(a.color)
    root = C.find_data_root(a.data)
    items = C.read_index(root)
    C.load_images(root, items)
    import csv
    split = {r["file"]: r["split"] for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "split.csv")))}
    parts = {p: [it for it in items if split[it.path] == p] for p in ("train", "select", "val")}
    model = C.SynthNet(width=a.width, arch=a.arch, in_ch=C.channels())
    model.load_state_dict(torch.load(a.state))
    full_report(model, parts, a.threshold, root, print)


if __name__ == "__main__":
    main()
