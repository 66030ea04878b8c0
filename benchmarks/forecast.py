"""forecast's default LSTM against statsforecast's AutoETS/AutoARIMA, seasonal naive and naive:
one-step rolling-origin backtests on classic public seasonal series that ship inside Python
packages, and on the S&P 500 shipped with kerascli.

Series (written to CSV files, then run through the real CLI, `kerascli forecast FILE --json`):
  airline   monthly airline passengers 1949-1960 (statsforecast.utils.AirPassengers), 144 rows
  co2       Mauna Loa CO2, weekly 1958-2001 averaged per month (statsmodels.datasets.co2), 526
  elnino    monthly Pacific sea surface temperature 1950-2010 (statsmodels.datasets.elnino), 732
  sp500     S&P 500 daily closes 1950-2019 (kerascli's shipped file), 17,587 rows

Each series: `--backtest K` origins over the last 20% (no refit: every model fit once at the
first origin, then rolled forward), horizon 1, for 3 seeds of the LSTM (the statistical models
are deterministic). Needs `pip install "kerascli[forecast]"`.

    python benchmarks/forecast.py                 # all series, 3 seeds, writes RESULTS.md
    python benchmarks/forecast.py --series airline --seeds 1 --no-write
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_section  # noqa: E402

SERIES = ("airline", "co2", "elnino", "sp500")
PEERS = ("auto-ets", "auto-arima")


def write_csv(name, folder):
    """The series as a CSV file (Date,Value) in ``folder``; None for the shipped S&P 500."""
    import pandas as pd

    if name == "sp500":
        return None
    if name == "airline":
        from statsforecast.utils import AirPassengers
        values = np.asarray(AirPassengers, dtype=float)
        dates = pd.date_range("1949-01-01", periods=len(values), freq="MS")
    elif name == "co2":
        import statsmodels.api as sm
        weekly = sm.datasets.co2.load_pandas().data["co2"]
        monthly = weekly.resample("MS").mean().interpolate()
        values, dates = monthly.to_numpy(), monthly.index
    elif name == "elnino":
        import statsmodels.api as sm
        wide = sm.datasets.elnino.load_pandas().data
        values = wide.drop(columns="YEAR").to_numpy().ravel()
        dates = pd.date_range(f"{int(wide['YEAR'].iloc[0])}-01-01", periods=len(values),
                              freq="MS")
    else:
        raise SystemExit(f"unknown series {name}")
    path = folder / f"{name}.csv"
    pd.DataFrame({"Date": [d.date().isoformat() for d in dates], "Value": values}).to_csv(
        path, index=False)
    return path


def run_cli(csv, seed, backtest, peers, out, ensemble=1):
    cmd = [sys.executable, "-m", "kerascli.cli", "forecast"] + ([str(csv)] if csv else [])
    cmd += ["--backtest", str(backtest), "--seed", str(seed), "--json", "--out", str(out),
            "--ensemble", str(ensemble)]
    for peer in peers:
        cmd += ["--baseline", peer]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    payload = json.loads(done.stdout)
    payload["wall_seconds"] = time.perf_counter() - started
    return payload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--backtest", type=int, default=5)
    parser.add_argument("--ensemble", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    names = [s for s in args.series.split(",") if s]
    rows, lines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in names:
            csv = write_csv(name, tmp)
            peers = PEERS if name != "sp500" else ()  # ARIMA on 17,587 rows: not a peer here
            runs = [run_cli(csv, 42 + s, args.backtest, peers, tmp / "runs", args.ensemble)
                    for s in range(args.seeds)]
            first = runs[0]
            lstm = [r["metrics"]["lstm"]["rmse"] for r in runs]
            m = first["metrics"]
            row = {"series": name, "rows": first["series"]["n_rows"], "season": first["season"],
                   "lstm": float(np.mean(lstm)), "lstm_sd": float(np.std(lstm)),
                   "naive": m["naive"]["rmse"],
                   "snaive": m.get("seasonal-naive", {}).get("rmse"),
                   "ets": m.get("auto-ets", {}).get("rmse"),
                   "arima": m.get("auto-arima", {}).get("rmse"),
                   "lstm_s": float(np.mean([r["train_seconds"] for r in runs])),
                   "ets_s": first["baseline_seconds"].get("auto-ets"),
                   "arima_s": first["baseline_seconds"].get("auto-arima"),
                   "cover80": float(np.mean([r["coverage"]["lstm"]["80"]["overall"]
                                             for r in runs])),
                   "cover95": float(np.mean([r["coverage"]["lstm"]["95"]["overall"]
                                             for r in runs])),
                   "epochs": float(np.mean([r["epochs_run"] for r in runs])),
                   "chosen": first["target"] + " · " + "/".join(
                       sorted({str(r.get("highway")) for r in runs})),
                   "wall": float(np.mean([r["wall_seconds"] for r in runs]))}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)

    def f(v, d=4):
        return "-" if v is None else f"{v:.{d}g}"

    lines.append(f"| series | rows | season | LSTM RMSE (mean ± sd, {args.seeds} seeds) | naive | "
                 "seasonal "
                 "naive | AutoETS | AutoARIMA | LSTM / best of ETS, ARIMA | LSTM / naive | "
                 "LSTM 80% / 95% coverage | LSTM fit s (epochs) | ETS s | ARIMA s | CLI wall s | "
                 "target · highway chosen on validation |")
    lines.append("|" + "---|" * 16)
    ratios = []
    for r in rows:
        best_stat = min([v for v in (r["ets"], r["arima"]) if v is not None], default=None)
        ratio = r["lstm"] / best_stat if best_stat else None
        if ratio is not None:
            ratios.append(ratio)
        lines.append(
            f"| {r['series']} | {r['rows']} | {r['season']} | {f(r['lstm'])} ± {f(r['lstm_sd'], 2)}"
            f" | {f(r['naive'])} | {f(r['snaive'])} | {f(r['ets'])} | {f(r['arima'])} | "
            f"{f(ratio, 3)} | {r['lstm'] / r['naive']:.3f} | {r['cover80']:.1f} / "
            f"{r['cover95']:.1f} | {r['lstm_s']:.1f} ({r['epochs']:.0f}) | {f(r['ets_s'], 3)} | "
            f"{f(r['arima_s'], 3)} | {r['wall']:.0f} | {r['chosen']} |")
    if ratios:
        lines.append(f"\nLSTM RMSE / best of AutoETS, AutoARIMA, averaged over the "
                     f"{len(ratios)} seasonal series: **{np.mean(ratios):.3f}** (target <= 1.05).")
    lines += ["", *what_holds(rows)]
    command = f"python benchmarks/forecast.py --series {args.series} --seeds {args.seeds} " \
              f"--backtest {args.backtest}" + (f" --ensemble {args.ensemble}"
                                               if args.ensemble > 1 else "")
    body = (f"`{command}`\n\n{machine()}; 2 cores shared with other jobs (times are noisy).\n"
            f"One-step backtests, {args.backtest} origins over the last 20% of each series, no "
            "refit (fit at the first origin, rolled forward); every model scored on the same "
            "windows; RMSE on levels pooled over the test period; coverage of the LSTM's "
            "conformal intervals on the test period. LSTM fit s: every LSTM the run trained "
            "(with and without the highway, to choose on validation); ETS s / ARIMA s: "
            "statsforecast's fit and roll-forward.\n\n" + "\n".join(lines))
    print(body)
    if not args.no_write:
        title = "forecast: one-step backtests against AutoETS and AutoARIMA"
        write_section(title + (f" (--ensemble {args.ensemble})" if args.ensemble > 1 else ""),
                      body)


def what_holds(rows):
    """The issue's targets, checked against the table's rows (nothing carried by hand)."""
    import numpy as np

    def met(ok):
        return "**met**" if ok else "**not met**"

    out = []
    seasonal = [r for r in rows if r["ets"] is not None or r["arima"] is not None]
    if seasonal:
        ratios = [r["lstm"] / min(v for v in (r["ets"], r["arima"]) if v is not None)
                  for r in seasonal]
        per = ", ".join(f"{r['series']} {x:.3f}x" for r, x in zip(seasonal, ratios))
        out.append(f"- LSTM within 5% of the better of AutoETS/AutoARIMA on average: "
                   f"{np.mean(ratios):.3f}x ({per}): {met(np.mean(ratios) <= 1.05)}.")
    naive = [(r["series"], r["lstm"] / r["naive"]) for r in seasonal]
    if naive:
        out.append("- never worse than naive on the seasonal series: "
                   + ", ".join(f"{n} {x:.3f}x" for n, x in naive)
                   + f": {met(all(x <= 1 for _, x in naive))}.")
    for r in rows:
        if r["series"] == "sp500":
            x = r["lstm"] / r["naive"]
            out.append(f"- S&P 500 at most 1.02x naive: {x:.3f}x: {met(x <= 1.02)}.")
    cover = [(r["series"], r["cover80"], r["cover95"]) for r in rows]
    inside = [n for n, c80, c95 in cover if abs(c80 - 80) <= 5 and abs(c95 - 95) <= 5]
    outside = [f"{n} ({c80:.1f} / {c95:.1f})" for n, c80, c95 in cover if n not in inside]
    out.append("- interval coverage within 5 points of nominal (80 / 95): "
               + "; ".join(([f"holds on {', '.join(inside)}"] if inside else [])
                           + ([f"not on {', '.join(outside)}"] if outside else [])) + ".")
    fits = [r["lstm_s"] for r in rows]
    stats = [v for r in rows for v in (r["ets_s"], r["arima_s"]) if v is not None]
    if stats:
        out.append(f"- fit time: the LSTMs of a run {min(fits):.1f}-{max(fits):.1f} s against "
                   f"statsforecast's {min(stats):.2g}-{max(stats):.2g} s per model.")
    return out


if __name__ == "__main__":
    main()
