"""Real-reference reports as text: one column per checkpoint and source, the energy baseline once."""
from __future__ import annotations

import math


def _f(x, fmt: str = "{:.3f}") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _columns(reports: list[dict]) -> list[tuple[int, str, str]]:
    cols = [(k, src, f"{r['model_id'].split('@')[-1][:8]} {src}") for k, r in enumerate(reports)
            for src in ("raw", "postfx")]
    return cols + [(0, "energy", "energy")]


def _lag_section(title: str, part: str, reports: list[dict]) -> list[str]:
    first = reports[0][part]
    cols = _columns(reports)
    head = f"{title} ({len(first['clips'])} clips; reference: {first['reference']})"
    lines = [head, f"  {'':<30}" + "".join(f"{c[2]:>17}" for c in cols)]
    rows = (("r at zero lag, pooled", lambda p, s: _f(p["pooled"][s]["r_zero"])),
            ("best lag, pooled (frames)", lambda p, s: _f(p["pooled"][s]["lag_frames"], "{:+d}")),
            ("  refined (ms)", lambda p, s: _f(p["pooled"][s]["lag_ms"], "{:+.0f}")),
            ("r at best lag, pooled", lambda p, s: _f(p["pooled"][s]["r_best"])),
            ("median lag per clip (frames)", lambda p, s: _f(p["median_lag_frames"][s], "{:+.1f}")),
            ("median r at zero lag per clip", lambda p, s: _f(p["median_r_zero"][s])))
    for label, get in rows:
        lines.append(f"  {label:<30}" + "".join(f"{get(reports[k][part], s):>17}" for k, s, _ in cols))
    for name in first["clips"]:
        cells = [f"{_f(reports[k][part]['clips'][name][s]['r_zero'], '{:.2f}')} "
                 f"{_f(reports[k][part]['clips'][name][s]['lag_frames'], '{:+d}')}" for k, s, _ in cols]
        lines.append(f"    {name[:28]:<28}" + "".join(f"{c:>17}" for c in cells))
    lines.append("  (per clip: r at zero lag, best lag; positive lag = the animation is late)")
    return lines


def _rest_section(reports: list[dict]) -> list[str]:
    cols = [(k, src, f"{r['model_id'].split('@')[-1][:8]} {src}") for k, r in enumerate(reports)
            for src in ("raw", "postfx")]
    lines = ["Rest (jaw, CTRL_C_jaw.ty)", f"  {'':<34}" + "".join(f"{c[2]:>17}" for c in cols)]
    for clip in reports[0]["rest"]["silence"]:
        for stat in ("mean", "max", "worst_emotion_mean"):
            label = f"{clip} {stat.replace('_', ' ')}"
            cells = []
            for k, s, _ in cols:
                d = reports[k]["rest"]["silence"][clip][s]
                cells.append(_f(d[stat]) + (f" {d['worst_emotion'][:3]}" if stat == "worst_emotion_mean" else ""))
            lines.append(f"  {label:<34}" + "".join(f"{c:>17}" for c in cells))
    p = reports[0]["rest"]["pauses"]
    label = f"median in pauses ({p['pooled']['raw']['frames'] / 60:.0f} s)"
    lines.append(f"  {label:<34}" + "".join(
        f"{_f(reports[k]['rest']['pauses']['pooled'][s]['median']):>17}" for k, s, _ in cols))
    for kind in ("digital", "room_tone"):
        label = f"  {kind.replace('_', ' ')} ({p['pooled']['raw'][kind]['frames'] / 60:.0f} s)"
        lines.append(f"  {label:<34}" + "".join(
            f"{_f(reports[k]['rest']['pauses']['pooled'][s][kind]['median']):>17}" for k, s, _ in cols))
    for group in p.get("groups", {}):
        label = f"  {group} ({p['groups'][group]['raw']['frames'] / 60:.0f} s)"
        lines.append(f"  {label:<34}" + "".join(
            f"{_f(reports[k]['rest']['pauses']['groups'][group][s]['median']):>17}" for k, s, _ in cols))
    lines.append(f"  {'90th percentile in pauses':<34}" + "".join(
        f"{_f(reports[k]['rest']['pauses']['pooled'][s]['p90']):>17}" for k, s, _ in cols))
    for name, d in p["clips"].items():
        cells = [_f(reports[k]["rest"]["pauses"]["clips"][name][s]) for k, s, _ in cols]
        lines.append(f"    {name[:20]:<20}{d['pauses']:>3} pauses {d['pause_s']:>5.1f}s" +
                     "".join(f"{c:>17}" for c in cells))
    if "stream" in reports[0]["rest"]:
        st = reports[0]["rest"]["stream"]
        lines.append(f"  streamed (0.1 s chunks; pauses of {', '.join(st['pause_clips'])[:60]}):")
        for k, r in enumerate(reports):
            d = r["rest"]["stream"]
            cells = [f"{n} {_f(v['mean'])}/{_f(v['max'])}" for n, v in d["silence"].items()]
            lines.append(f"    {r['model_id'].split('@')[-1][:8]} mean/max: " + ", ".join(cells) +
                         f"; pause median {_f(d['pauses']['median'])} ({d['pauses']['frames'] / 60:.1f} s)")
    o = p["options"]
    lines.append(f"  (pause: >= {o['min_pause_s']} s of frames {o['below_speech_db']:g} dB under the clip's "
                 f"{o['speech_percentile']:g}th-percentile frame level)")
    return lines


def format_real(reports: list[dict]) -> str:
    """Text for one or more reports of :func:`training.realref.report.score_references` (same references)."""
    lines = ["Real references: " + ", ".join(r["model_id"] for r in reports)]
    for part, why in reports[0].get("skipped", {}).items():
        lines.append(f"skipped {part}: {why}")
    if "talking_faces" in reports[0]:
        lines += _lag_section("Talking-face video", "talking_faces", reports)
    if "facegood" in reports[0]:
        lines += _lag_section("FACEGOOD artist-solved takes", "facegood", reports)
    if "keyed_takes" in reports[0]:
        from training.realref.keyed_takes import format_takes

        lines += format_takes(reports)
    if "rest" in reports[0]:
        lines += _rest_section(reports)
    return "\n".join(lines)
