"""PNG plots of a report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from eval.catalog import BY_TYPE, METRICS, STAGES  # noqa: E402

COLOURS = ["#4C72B0", "#DD8452", "#55A868", "#8172B3", "#C44E52", "#937860", "#DA8BC3", "#8C8C8C"]


def metrics_by_type(report: dict, path: Path) -> None:
    """Grouped bars: for each question type, the BY_TYPE metrics (a metric that does not apply is left out)."""
    types = list(report["by_type"])
    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(types) + 2), 4.2), dpi=120)
    width = 0.8 / len(BY_TYPE)
    for i, name in enumerate(BY_TYPE):
        xs, ys = [], []
        for t, qtype in enumerate(types):
            value = report["by_type"][qtype].get(name)
            if value is not None:
                xs.append(t - 0.4 + width * (i + 0.5))
                ys.append(value)
        if not ys:  # a metric no type measured (no gold evidence): no empty bar, no legend entry
            continue
        bars = ax.bar(xs, ys, width, label=METRICS[name][0].replace(" (benchmark rule)", ""), color=COLOURS[i % len(COLOURS)])
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(range(len(types)))
    ax.set_xlim(-0.6, len(types) - 0.4)
    ax.set_xticklabels([f"{t}\n(n={report['by_type'][t]['questions']})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("score (0-1)")
    ax.set_title("Metrics by question type (null queries: accuracy = refused)")
    ax.legend(fontsize=8, ncols=min(4, len(BY_TYPE)), loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def latency(report: dict, path: Path) -> None:
    """Box plots of per-question latency by stage (whiskers p5-p95), p95 marked, p50/p95 in the labels."""
    data = [[q["timings"][f"{stage}_s"] * 1000 for q in report["questions"]] for stage in STAGES]
    labels = []
    for stage in STAGES:
        p50, p95 = (report["summary"][f"latency_{stage}_{p}_s"] for p in ("p50", "p95"))
        labels.append(f"{stage}\np50 {p50 * 1000:.0f} ms\np95 {p95 * 1000:.0f} ms")
    fig, ax = plt.subplots(figsize=(7.0, 4.0), dpi=120)
    ax.boxplot(data, vert=False, tick_labels=labels, whis=(5, 95), showfliers=True,
               medianprops={"color": "#4C72B0", "linewidth": 2}, flierprops={"markersize": 3, "alpha": 0.5})
    p95s = [report["summary"][f"latency_{stage}_p95_s"] * 1000 for stage in STAGES]
    ax.plot(p95s, range(1, len(STAGES) + 1), linestyle="none", marker="x", color="#C44E52", markersize=9, label="p95")
    ax.plot([], [], color="#4C72B0", linewidth=2, label="p50 (median)")
    ax.set_xlabel("milliseconds per question")
    ax.set_title(f"Latency by stage ({len(report['questions'])} questions; whiskers p5-p95)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


PLOTS = {"metrics_by_type.png": metrics_by_type, "latency.png": latency}
